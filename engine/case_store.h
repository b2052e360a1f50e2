#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/analysis_result.h"

struct sqlite3;

namespace synthscope {

// What a cached result is keyed by: the same bytes analysed by the same weights with the same settings
// give the same result, whatever the file is called or where it lies.
struct CacheKey {
    std::string imageSha256;
    std::string modelSha256;
    std::string settings;  // canonical text of the settings that change a result (batch_analysis.h: cacheSettingsKey)
};

// One analysed file of a case: the file's path and the summary columns of its result; the full result
// (every patch) is read on demand with CaseStore::result().
struct CaseEntry {
    std::string path;
    CacheKey key;
    std::string modelName, modelVersion, softwareVersion;
    std::string label;  // verdictLabelName()
    double syntheticProbability = 0, spread = 0;
    std::string topGenerator;  // the most likely generator; empty when the model names none
    double topGeneratorProbability = 0;
    // topGenerator is a class that stands for no named generator ("other_diffusion": a generator the model
    // has no name for; AnalysisResult::likelyGeneratorIsUnnamed). False in cases written before 2026-12-03.
    bool topGeneratorUnnamed = false;
    // What the file's record says beside the verdict (AnalysisResult::record); empty when nothing, or when
    // it was not read (results stored before 2026-12-03).
    std::vector<RecordNote> recordNotes;
    bool recordPointsAgainst() const;  // one of recordNotes points the other way from the verdict
    // The part of the file analysed alone (image_region.h); none for the whole file, and in cases written
    // before 2026-12-03. width and height are then the region's, the file's size is in it.
    std::optional<ImageRegion> region;
    int width = 0, height = 0;
    std::string format;
    std::int64_t fileSize = 0;
    std::string analysedAt;  // ISO 8601 UTC, when the result was computed
    std::string robustness;  // the label after the robustness check, "not done", or empty when it was not asked for
    // A region's control parts (RegionControls::summary): "stands out (0 of 4 controls flagged)"...; empty
    // for a whole file, a region analysed without them, and cases written before them.
    std::string controls;
};

struct CaseFailure {
    std::string path, kind, message, at;
};

struct CaseCounts {
    int entries = 0;  // (path, result) pairs
    int regions = 0;  // of those, results of one region of the file (CaseEntry::region)
    int results = 0;  // distinct cached results
    int synthetic = 0, authentic = 0, inconclusive = 0;  // over entries
    int failures = 0;
};

// A case: every result of a batch analysis, kept in one SQLite file. Written so that a crash or a kill
// loses nothing already finished: write-ahead log, synchronous=FULL, and one transaction per finished
// image (its result and its path together). Results are cached by CacheKey, so a re-run skips work
// already done and an interrupted batch resumes where it stopped. Not shared between threads: one
// connection, used by one thread at a time.
class CaseStore {
public:
    // Opens (creating when allowed) a case file. Throws EngineError(BadInput) when it cannot be opened or
    // is not a SynthScope case.
    static std::unique_ptr<CaseStore> open(const std::string& file, bool create = true);
    ~CaseStore();
    CaseStore(const CaseStore&) = delete;
    CaseStore& operator=(const CaseStore&) = delete;

    const std::string& file() const { return file_; }
    std::string createdAt() const;

    bool hasResult(const CacheKey& key) const;
    // The full result (with patches), as stored; nullopt when there is none.
    std::optional<AnalysisResult> result(const CacheKey& key) const;

    // Stores a finished result under key and records result.image.path as a file of the case, in one
    // transaction; clears an earlier failure of that path. Throws EngineError(Internal) on a write error.
    void addResult(const CacheKey& key, const AnalysisResult& result);
    // Records another path with the same bytes as a cached result (a re-run, a copy of a file).
    void addPath(const std::string& path, const std::string& imageSha256);
    void addFailure(const std::string& path, const std::string& kind, const std::string& message);

    // Every (path, result) pair, ordered by path, streamed (nothing is kept in memory).
    void forEachEntry(const std::function<void(const CaseEntry&)>& visit) const;
    void forEachFailure(const std::function<void(const CaseFailure&)>& visit) const;
    // Entries whose path is this one (several when analysed with several models or settings).
    std::vector<CaseEntry> entriesForPath(const std::string& path) const;
    CaseCounts counts() const;

private:
    CaseStore(sqlite3* db, std::string file);
    void exec(const char* sql) const;

    sqlite3* db_;
    std::string file_;
};

}  // namespace synthscope
