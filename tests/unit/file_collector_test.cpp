#include <gtest/gtest.h>

#include <QTemporaryDir>

#include <filesystem>
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

TEST(FileCollector, ReportsUnreadableFolders) {
    if (geteuid() == 0) GTEST_SKIP() << "root reads every folder";
    QTemporaryDir dir;
    const fs::path locked = fs::path(dir.path().toStdString()) / "locked";
    fs::create_directory(locked);
    fs::permissions(locked, fs::perms::none);
    const CollectedFiles files = collectImageFiles({dir.path().toStdString()});
    fs::permissions(locked, fs::perms::owner_all);
    ASSERT_EQ(files.errors.size(), 1u);
    EXPECT_NE(files.errors[0].find("cannot read folder"), std::string::npos);
}
