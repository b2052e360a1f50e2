#include <gtest/gtest.h>

#include <QTemporaryDir>

#include <filesystem>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/file_collector.h"
#include "tests/unit/test_support.h"

using namespace synthscope;
namespace fs = std::filesystem;

TEST(FileCollector, RecursesSortsAndFiltersByExtension) {
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    fs::create_directories(root / "sub" / "deeper");
    for (const char* f : {"b.PNG", "a.jpg", "notes.txt", "sub/c.webp", "sub/deeper/d.tiff", "sub/e.json"})
        test::writeBytes((root / f).string(), {1});
    fs::create_directory_symlink(root, root / "sub" / "loop");  // must not recurse forever

    const CollectedFiles files = collectImageFiles({root.string(), (root / "notes.txt").string(), (root / "missing.png").string()});
    std::vector<std::string> names;
    for (const std::string& p : files.images) names.push_back(fs::relative(p, root).string());
    EXPECT_EQ(names, (std::vector<std::string>{"a.jpg", "b.PNG", "sub/c.webp", "sub/deeper/d.tiff", "notes.txt"}))
        << "a file named explicitly is kept whatever its extension";
    ASSERT_EQ(files.errors.size(), 1u);
    EXPECT_NE(files.errors[0].find("missing.png"), std::string::npos);
}

namespace {

// The errors collectImageFiles reports for `paths`, collected without the power to read what permissions
// forbid. Root reads every folder (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), and CI runs as root: there the
// collection runs in a child process that first drops those two capabilities, so that the test still
// sees what an ordinary user sees instead of being skipped. The child hands the errors back through a pipe.
std::vector<std::string> errorsCollectedAsAnOrdinaryUser(const std::vector<std::string>& paths) {
    if (geteuid() != 0) return collectImageFiles(paths).errors;
    int channel[2];
    if (pipe(channel) != 0) ADD_FAILURE() << "pipe";
    const pid_t child = fork();
    if (child == 0) {
        close(channel[0]);
        __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
        __user_cap_data_struct caps[2]{};
        if (syscall(SYS_capget, &header, caps) != 0) _exit(2);
        for (const int cap : {CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH}) caps[cap / 32].effective &= ~(1u << (cap % 32));
        if (syscall(SYS_capset, &header, caps) != 0) _exit(3);
        std::string joined;
        for (const std::string& e : collectImageFiles(paths).errors) joined += e + "\n";
        const bool written = write(channel[1], joined.data(), joined.size()) == ssize_t(joined.size());
        _exit(written ? 0 : 4);
    }
    close(channel[1]);
    std::string joined;
    char buffer[4096];
    for (ssize_t n; (n = read(channel[0], buffer, sizeof buffer)) > 0;) joined.append(buffer, size_t(n));
    close(channel[0]);
    int status = 0;
    waitpid(child, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the child without read rights failed: status " << status;
    std::vector<std::string> errors;
    for (size_t start = 0, end; (end = joined.find('\n', start)) != std::string::npos; start = end + 1)
        errors.push_back(joined.substr(start, end - start));
    return errors;
}

}  // namespace

TEST(FileCollector, ReportsUnreadableFolders) {
    QTemporaryDir dir;
    const fs::path locked = fs::path(dir.path().toStdString()) / "locked";
    fs::create_directory(locked);
    test::writeBytes((fs::path(dir.path().toStdString()) / "seen.png").string(), {1});
    fs::permissions(locked, fs::perms::none);
    const std::vector<std::string> errors = errorsCollectedAsAnOrdinaryUser({dir.path().toStdString()});
    fs::permissions(locked, fs::perms::owner_all);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_NE(errors[0].find("locked: cannot read folder"), std::string::npos) << errors[0];
}

TEST(FileCollector, SaysWhyAPathGivenLeadsToNothing) {
    // Each named for what it is, so that the user looks in the right place: "no such file" only when there is none.
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    fs::create_symlink(root / "loop.jpg", root / "loop.jpg");
    fs::create_symlink(root / "gone.jpg", root / "dangling.jpg");
    fs::create_directory(root / "closed");
    test::writeBytes((root / "closed" / "inside.jpg").string(), {1});
    fs::permissions(root / "closed", fs::perms::owner_read);  // listed, but not searched: its files cannot be reached
    const std::vector<std::string> errors = errorsCollectedAsAnOrdinaryUser(
        {(root / "missing.jpg").string(), (root / "loop.jpg").string(), (root / "dangling.jpg").string(), (root / "closed" / "inside.jpg").string()});
    fs::permissions(root / "closed", fs::perms::owner_all);
    ASSERT_EQ(errors.size(), 4u);
    EXPECT_NE(errors[0].find("missing.jpg: no such file or folder"), std::string::npos) << errors[0];
    EXPECT_NE(errors[1].find("loop.jpg: a symbolic link that leads back to itself"), std::string::npos) << errors[1];
    EXPECT_NE(errors[2].find("dangling.jpg: a symbolic link to " + (root / "gone.jpg").string() + ", which does not exist"), std::string::npos)
        << errors[2];
    EXPECT_NE(errors[3].find("inside.jpg: cannot be reached: a folder on its way may not be searched"), std::string::npos) << errors[3];
}
