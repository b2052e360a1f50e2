#include "engine/case_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <set>

#include <QByteArray>
#include <QDateTime>
#include <QtEndian>
#include <QJsonDocument>
#include <QJsonObject>

#include "engine/errors.h"
#include "engine/result_json.h"

namespace synthscope {
namespace {

constexpr const char* kFormat = "synthscope-case/1";
constexpr quint32 kMaxStoredResultBytes = 256u << 20;  // the uncompressed JSON of one result

// The record_notes column: the notes in result_json's form, as compact JSON text.
std::string recordNotesColumn(const std::vector<RecordNote>& notes) {
    return QJsonDocument(toJson(notes)).toJson(QJsonDocument::Compact).toStdString();
}

// The robustness column of a result: empty when not checked, else the label after the check or "not done".
std::string robustnessColumn(const AnalysisResult& r) {
    if (!r.robustness) return {};
    return r.robustness->done() ? verdictLabelName(r.robustness->label) : "not done";
}

std::string nowUtc() { return QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs).toStdString(); }

// A prepared statement that finalises itself.
class Statement {
public:
    Statement(sqlite3* db, const char* sql) : db_(db) {
        if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK)
            throw EngineError(ErrorKind::Internal, std::string("case store: ") + sqlite3_errmsg(db));
    }
    ~Statement() { sqlite3_finalize(stmt_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int i, const std::string& s) {
        sqlite3_bind_text(stmt_, i, s.data(), int(s.size()), SQLITE_TRANSIENT);
        return *this;
    }
    Statement& bind(int i, double v) {
        sqlite3_bind_double(stmt_, i, v);
        return *this;
    }
    Statement& bind(int i, std::int64_t v) {
        sqlite3_bind_int64(stmt_, i, v);
        return *this;
    }
    Statement& bindBlob(int i, const QByteArray& b) {
        sqlite3_bind_blob(stmt_, i, b.constData(), int(b.size()), SQLITE_TRANSIENT);
        return *this;
    }
    // true: a row is ready; false: done. Throws on an error.
    bool step() {
        const int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        throw EngineError(ErrorKind::Internal, std::string("case store: ") + sqlite3_errmsg(db_));
    }
    std::string text(int col) const {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
        return p ? std::string(p, std::size_t(sqlite3_column_bytes(stmt_, col))) : std::string();
    }
    double real(int col) const { return sqlite3_column_double(stmt_, col); }
    std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
    QByteArray blob(int col) const {
        return QByteArray(static_cast<const char*>(sqlite3_column_blob(stmt_, col)), sqlite3_column_bytes(stmt_, col));
    }

private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

// Rolls back unless committed: an exception between BEGIN and COMMIT leaves nothing half-written.
class Transaction {
public:
    explicit Transaction(sqlite3* db) : db_(db) { run("BEGIN IMMEDIATE"); }
    ~Transaction() {
        if (!committed_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    void commit() {
        run("COMMIT");
        committed_ = true;
    }

private:
    void run(const char* sql) {
        char* err = nullptr;
        if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
            const std::string message = err ? err : "unknown error";
            sqlite3_free(err);
            throw EngineError(ErrorKind::Internal, "case store: " + message);
        }
    }
    sqlite3* db_;
    bool committed_ = false;
};

constexpr const char* kEntryColumns =
    "i.path, r.image_sha256, r.model_sha256, r.settings, r.model_name, r.model_version, r.software_version, r.label, "
    "r.synthetic_probability, r.spread, r.top_generator, r.top_generator_probability, r.width, r.height, r.format, "
    "r.file_size, r.analysed_at, r.robustness, r.top_generator_unnamed, r.record_notes, r.region, r.controls";

CaseEntry readEntry(const Statement& s) {
    CaseEntry e;
    e.path = s.text(0);
    e.key = {s.text(1), s.text(2), s.text(3)};
    e.modelName = s.text(4);
    e.modelVersion = s.text(5);
    e.softwareVersion = s.text(6);
    e.label = s.text(7);
    e.syntheticProbability = s.real(8);
    e.spread = s.real(9);
    e.topGenerator = s.text(10);
    e.topGeneratorProbability = s.real(11);
    e.width = int(s.integer(12));
    e.height = int(s.integer(13));
    e.format = s.text(14);
    e.fileSize = s.integer(15);
    e.analysedAt = s.text(16);
    e.robustness = s.text(17);
    e.topGeneratorUnnamed = s.integer(18) != 0;
    e.recordNotes = recordNotesFromJson(QJsonDocument::fromJson(QByteArray::fromStdString(s.text(19))).array());
    if (const QJsonObject region = QJsonDocument::fromJson(QByteArray::fromStdString(s.text(20))).object(); !region.isEmpty())
        e.region = regionFromJson(region);
    e.controls = s.text(21);
    return e;
}

}  // namespace

std::unique_ptr<CaseStore> CaseStore::open(const std::string& file, bool create) {
    sqlite3* db = nullptr;
    const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(file.c_str(), &db, flags, nullptr) != SQLITE_OK) {
        const std::string message = db ? sqlite3_errmsg(db) : "out of memory";
        sqlite3_close(db);
        throw badInput("cannot open the case file " + file + ": " + message);
    }
    std::unique_ptr<CaseStore> store(new CaseStore(db, file));
    sqlite3_busy_timeout(db, 5000);  // another process (a report) may be reading it
    try {
        // WAL: a commit is one append to the log, readers never block the writer, and a killed process
        // leaves the database as of its last commit. FULL: the log is synced at every commit.
        store->exec("PRAGMA journal_mode=WAL");
        store->exec("PRAGMA synchronous=FULL");
        store->exec("PRAGMA foreign_keys=ON");
        store->exec(
            "CREATE TABLE IF NOT EXISTS case_info(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
            "CREATE TABLE IF NOT EXISTS results("
            "  image_sha256 TEXT NOT NULL, model_sha256 TEXT NOT NULL, settings TEXT NOT NULL,"
            "  model_name TEXT, model_version TEXT, software_version TEXT,"
            "  label TEXT NOT NULL, synthetic_probability REAL, spread REAL,"
            "  top_generator TEXT, top_generator_probability REAL,"
            "  width INTEGER, height INTEGER, format TEXT, file_size INTEGER,"
            "  analysed_at TEXT NOT NULL,"
            "  result_json BLOB NOT NULL,"  // toJson(result) with every patch, zlib-compressed (qCompress)
            "  robustness TEXT,"  // robustnessColumn()
            "  top_generator_unnamed INTEGER,"  // 1 when top_generator is a class that names no generator
            "  record_notes TEXT,"  // recordNotesColumn(): the file's record beside the verdict; NULL when not read
            "  region TEXT,"  // toJson(ImageRegion) when one part of the file was analysed alone; NULL for the whole file
            "  controls TEXT,"  // RegionControls::summary() for a region analysed with control parts; NULL otherwise
            "  PRIMARY KEY(image_sha256, model_sha256, settings));"
            "CREATE TABLE IF NOT EXISTS images("
            "  path TEXT NOT NULL, image_sha256 TEXT NOT NULL, added_at TEXT NOT NULL,"
            "  PRIMARY KEY(path, image_sha256));"
            "CREATE INDEX IF NOT EXISTS images_by_sha ON images(image_sha256);"
            "CREATE TABLE IF NOT EXISTS failures(path TEXT PRIMARY KEY, kind TEXT, message TEXT, at TEXT);");
        // Cases written by earlier versions lack the columns added since; their rows read NULL there: not
        // checked for robustness, and a top generator not known to be unnamed (shown by its class name).
        std::set<std::string> columns;
        for (Statement c(db, "PRAGMA table_info(results)"); c.step();) columns.insert(c.text(1));
        for (const char* added : {"robustness TEXT", "top_generator_unnamed INTEGER", "record_notes TEXT", "region TEXT", "controls TEXT"})
            if (!columns.count(std::string(added).substr(0, std::string(added).find(' '))))
                store->exec(("ALTER TABLE results ADD COLUMN " + std::string(added)).c_str());
    } catch (const EngineError& e) {
        throw badInput(file + " is not a usable SynthScope case: " + e.what());
    }
    Statement format(db, "SELECT value FROM case_info WHERE key = 'format'");
    if (format.step()) {
        if (format.text(0) != kFormat) throw badInput(file + " is a case of another format (" + format.text(0) + ")");
    } else {
        Statement insert(db, "INSERT INTO case_info(key, value) VALUES ('format', ?1), ('created', ?2)");
        insert.bind(1, std::string(kFormat)).bind(2, nowUtc()).step();
    }
    return store;
}

CaseStore::CaseStore(sqlite3* db, std::string file) : db_(db), file_(std::move(file)) {}

CaseStore::~CaseStore() { sqlite3_close(db_); }

void CaseStore::exec(const char* sql) const {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        const std::string message = err ? err : sqlite3_errmsg(db_);
        sqlite3_free(err);
        throw EngineError(ErrorKind::Internal, "case store: " + message);
    }
}

std::string CaseStore::createdAt() const {
    Statement s(db_, "SELECT value FROM case_info WHERE key = 'created'");
    return s.step() ? s.text(0) : std::string();
}

bool CaseStore::hasResult(const CacheKey& key) const {
    Statement s(db_, "SELECT 1 FROM results WHERE image_sha256 = ?1 AND model_sha256 = ?2 AND settings = ?3");
    s.bind(1, key.imageSha256).bind(2, key.modelSha256).bind(3, key.settings);
    return s.step();
}

std::optional<AnalysisResult> CaseStore::result(const CacheKey& key) const {
    Statement s(db_, "SELECT result_json FROM results WHERE image_sha256 = ?1 AND model_sha256 = ?2 AND settings = ?3");
    s.bind(1, key.imageSha256).bind(2, key.modelSha256).bind(3, key.settings);
    if (!s.step()) return std::nullopt;
    const QByteArray blob = s.blob(0);
    // qUncompress allocates the size written in the blob's first 4 bytes before inflating: a damaged or
    // forged case could make it ask for 4 GB. A stored result is far below kMaxStoredResultBytes.
    if (blob.size() < 4 || qFromBigEndian<quint32>(blob.constData()) > kMaxStoredResultBytes)
        throw badInput("case store: a stored result is damaged (its size field is not plausible)");
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(qUncompress(blob), &error);
    if (!doc.isObject())
        throw EngineError(ErrorKind::Internal, "case store: a stored result cannot be read (" + error.errorString().toStdString() + ")");
    return resultFromJson(doc.object());
}

bool CaseEntry::recordPointsAgainst() const {
    return std::any_of(recordNotes.begin(), recordNotes.end(), [](const RecordNote& n) { return n.againstVerdict; });
}

void CaseStore::addResult(const CacheKey& key, const AnalysisResult& r) {
    const QByteArray json = qCompress(QJsonDocument(toJson(r, true)).toJson(QJsonDocument::Compact), 6);
    const Verdict& v = r.verdict;
    const std::string now = nowUtc();
    Transaction transaction(db_);
    Statement insert(db_,
                     "INSERT OR REPLACE INTO results(image_sha256, model_sha256, settings, model_name, model_version,"
                     " software_version, label, synthetic_probability, spread, top_generator, top_generator_probability,"
                     " width, height, format, file_size, analysed_at, result_json, robustness, top_generator_unnamed, record_notes, region,"
                     " controls) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)");
    insert.bind(1, key.imageSha256).bind(2, key.modelSha256).bind(3, key.settings);
    insert.bind(4, r.provenance.modelName).bind(5, r.provenance.modelVersion).bind(6, r.provenance.softwareVersion);
    insert.bind(7, std::string(verdictLabelName(v.label))).bind(8, v.syntheticProbability).bind(9, v.spread);
    const std::optional<ClassScore> generator = r.likelyGenerator();  // with the fingerprints' evidence when the model has it
    insert.bind(10, generator ? generator->name : std::string());
    insert.bind(11, generator ? generator->probability : 0.0);
    insert.bind(12, std::int64_t(r.image.width)).bind(13, std::int64_t(r.image.height)).bind(14, r.image.format);
    insert.bind(15, r.image.fileSize).bind(16, now).bindBlob(17, json).bind(18, robustnessColumn(r));
    insert.bind(19, std::int64_t(generator && r.likelyGeneratorIsUnnamed()));
    if (r.record) insert.bind(20, recordNotesColumn(*r.record));  // else NULL: not read
    if (r.image.region)  // else NULL: the whole file
        insert.bind(21, QJsonDocument(toJson(*r.image.region)).toJson(QJsonDocument::Compact).toStdString());
    if (r.controls) insert.bind(22, r.controls->summary(v));  // else NULL
    insert.step();
    Statement path(db_, "INSERT OR IGNORE INTO images(path, image_sha256, added_at) VALUES (?1, ?2, ?3)");
    path.bind(1, r.image.path).bind(2, key.imageSha256).bind(3, now).step();
    Statement clear(db_, "DELETE FROM failures WHERE path = ?1");
    clear.bind(1, r.image.path).step();
    transaction.commit();
}

void CaseStore::addPath(const std::string& path, const std::string& imageSha256) {
    Transaction transaction(db_);
    Statement s(db_, "INSERT OR IGNORE INTO images(path, image_sha256, added_at) VALUES (?1, ?2, ?3)");
    s.bind(1, path).bind(2, imageSha256).bind(3, nowUtc()).step();
    Statement clear(db_, "DELETE FROM failures WHERE path = ?1");
    clear.bind(1, path).step();
    transaction.commit();
}

void CaseStore::addFailure(const std::string& path, const std::string& kind, const std::string& message) {
    Statement s(db_, "INSERT OR REPLACE INTO failures(path, kind, message, at) VALUES (?1, ?2, ?3, ?4)");
    s.bind(1, path).bind(2, kind).bind(3, message).bind(4, nowUtc()).step();
}

void CaseStore::forEachEntry(const std::function<void(const CaseEntry&)>& visit) const {
    const std::string sql = std::string("SELECT ") + kEntryColumns +
                            " FROM images i JOIN results r ON r.image_sha256 = i.image_sha256"
                            " ORDER BY i.path, r.region IS NOT NULL, r.model_sha256, r.settings";
    Statement s(db_, sql.c_str());
    while (s.step()) visit(readEntry(s));
}

std::vector<CaseEntry> CaseStore::entriesForPath(const std::string& path) const {
    const std::string sql = std::string("SELECT ") + kEntryColumns +
                            " FROM images i JOIN results r ON r.image_sha256 = i.image_sha256"
                            " WHERE i.path = ?1 ORDER BY r.analysed_at DESC";
    Statement s(db_, sql.c_str());
    s.bind(1, path);
    std::vector<CaseEntry> out;
    while (s.step()) out.push_back(readEntry(s));
    return out;
}

void CaseStore::forEachFailure(const std::function<void(const CaseFailure&)>& visit) const {
    Statement s(db_, "SELECT path, kind, message, at FROM failures ORDER BY path");
    while (s.step()) visit({s.text(0), s.text(1), s.text(2), s.text(3)});
}

CaseCounts CaseStore::counts() const {
    CaseCounts c;
    Statement labels(db_,
                     "SELECT r.label, r.region IS NOT NULL, COUNT(*) FROM images i JOIN results r ON r.image_sha256 = i.image_sha256"
                     " GROUP BY r.label, r.region IS NOT NULL");
    while (labels.step()) {
        const int n = int(labels.integer(2));
        c.entries += n;
        if (labels.integer(1) != 0) c.regions += n;
        const std::string label = labels.text(0);
        if (label == verdictLabelName(VerdictLabel::Synthetic)) c.synthetic += n;
        else if (label == verdictLabelName(VerdictLabel::Authentic)) c.authentic += n;
        else c.inconclusive += n;
    }
    Statement results(db_, "SELECT COUNT(*) FROM results");
    if (results.step()) c.results = int(results.integer(0));
    Statement failures(db_, "SELECT COUNT(*) FROM failures");
    if (failures.step()) c.failures = int(failures.integer(0));
    return c;
}

}  // namespace synthscope
