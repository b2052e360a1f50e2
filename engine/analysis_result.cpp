#include "engine/analysis_result.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace synthscope {

const char* verdictLabelName(VerdictLabel label) {
    switch (label) {
    case VerdictLabel::Authentic: return "authentic";
    case VerdictLabel::Synthetic: return "synthetic";
    case VerdictLabel::Inconclusive: break;
    }
    return "inconclusive";
}

namespace {
int flaggedAmong(const std::vector<ControlPart>& parts) {
    return int(std::count_if(parts.begin(), parts.end(), [](const ControlPart& p) { return p.label == VerdictLabel::Synthetic; }));
}
}  // namespace

std::string percentText(double p) {
    char text[16];
    std::snprintf(text, sizeof text, "%.0f%%", p * 100);
    return text;
}

void RegionControls::forEachPart(const std::function<void(std::size_t, const ControlPart&, bool)>& visit) const {
    std::size_t number = 0;
    for (const ControlPart& p : parts) visit(++number, p, false);
    for (const ControlPart& p : inside) visit(++number, p, true);
}

int RegionControls::flagged() const { return flaggedAmong(parts); }
int RegionControls::insideFlagged() const { return flaggedAmong(inside); }
int RegionControls::sizeDivisor() const { return std::max(1, int(std::lround(std::sqrt(double(inside.size()))))); }

double RegionControls::highestBeside() const {
    double highest = 0;
    for (const ControlPart& p : parts) highest = std::max(highest, p.syntheticProbability);
    return highest;
}

bool RegionControls::standOut(const Verdict& region) const {
    if (!done() || region.label != VerdictLabel::Synthetic || parts.empty()) return false;
    if (atSmallerSize()) return flagged() == 0 && insideFlagged() > 0;
    return region.syntheticProbability > highestBeside();
}

std::string RegionControls::summary(const Verdict& region) const {
    if (!done()) return "not done";
    if (parts.empty()) return "no room for a control";
    std::string counted =
        std::to_string(flagged()) + " of " + std::to_string(parts.size()) + (parts.size() == 1 ? " control flagged" : " controls flagged");
    if (atSmallerSize())
        counted = "at 1/" + std::to_string(sizeDivisor()) + " size: " + std::to_string(insideFlagged()) + " of " +
                  std::to_string(inside.size()) + " own parts, " + counted;
    if (!standOut(region)) return counted;
    return "stands out (" + counted + (flagged() > 0 && !atSmallerSize() ? (flagged() == 1 ? ", below it)" : ", all below it)") : ")");
}

std::size_t AnalysisResult::classifiedCount() const {
    return std::size_t(std::count_if(patches.begin(), patches.end(), [](const PatchResult& p) { return p.classified(); }));
}

std::vector<double> AnalysisResult::classProbabilities() const {
    std::vector<double> out(classNames.size(), 0.0);
    for (const ClassScore& s : verdict.classes) {
        const auto c = std::find(classNames.begin(), classNames.end(), s.name);
        if (c != classNames.end()) out[std::size_t(c - classNames.begin())] = s.probability;
    }
    return out;
}

bool CombinedAttribution::isUnnamed(const std::string& name) const {
    return std::find(unnamed.begin(), unnamed.end(), name) != unnamed.end();
}

std::string CombinedAttribution::sources() const {
    return lookWeight > 0 ? "the detector, the generator fingerprints and the image's look" : "the detector and the generator fingerprints";
}

std::vector<CombinedAttribution::ContributionRow> CombinedAttribution::contributionRows(std::size_t rows) const {
    auto format = [](const char* pattern, double value) {
        char text[32];
        std::snprintf(text, sizeof text, pattern, value);
        return std::string(text);
    };
    // The first `rows`, and the detector's and the look's own first choices wherever they rank, so that the
    // table shows each candidate the panel and the report name.
    std::string lookTop;
    double lookBest = -1;
    for (const Contribution& c : contributions)
        if (c.look && *c.look > lookBest) lookBest = *c.look, lookTop = c.name;
    std::vector<ContributionRow> out;
    for (std::size_t i = 0; i < ranking.size(); ++i) {  // by name: a stored result's lists are matched, not trusted to align
        const auto c = std::find_if(contributions.begin(), contributions.end(),
                                    [&](const Contribution& k) { return k.name == ranking[i].name; });
        if (c == contributions.end() || (i >= rows && c->name != detectorTop && c->name != lookTop)) continue;
        out.push_back({c->name + (isUnnamed(c->name) ? " (no name)" : ""), percentText(c->detector),
                       c->evidence ? format("%+.2f", *c->evidence) : "-",
                       lookWeight > 0 ? (c->look ? percentText(*c->look) : "-") : "",
                       percentText(ranking[i].probability)});
    }
    return out;
}

const ClassScore* CombinedAttribution::firstNamed() const {
    for (const ClassScore& s : ranking)
        if (!isUnnamed(s.name)) return &s;
    return nullptr;
}

std::optional<ClassScore> AnalysisResult::likelyGenerator() const {
    const CombinedAttribution* combined = verdict.combinedAttribution ? &*verdict.combinedAttribution : nullptr;
    if (combined && !combined->ranking.empty()) return combined->ranking.front();
    if (!verdict.attribution.empty()) return verdict.attribution.front();
    return std::nullopt;
}

bool AnalysisResult::likelyGeneratorIsUnnamed() const {
    const std::optional<ClassScore> likely = likelyGenerator();
    if (!likely) return false;
    if (verdict.combinedAttribution && !verdict.combinedAttribution->ranking.empty())
        return verdict.combinedAttribution->isUnnamed(likely->name);
    // The detector's own ranking is by class: a class without a generator stands for none.
    const std::string* generator = generatorOfClass(likely->name);
    return generator && generator->empty();
}

const std::string* AnalysisResult::generatorOfClass(const std::string& className) const {
    const auto c = std::find(classNames.begin(), classNames.end(), className);
    const std::size_t i = std::size_t(c - classNames.begin());
    return c != classNames.end() && i < classGenerators.size() ? &classGenerators[i] : nullptr;
}

std::string Verdict::describeFingerprintTerms() const {
    std::string out;
    for (const FingerprintTermValue& t : fingerprintTerms) {
        const auto count = std::count(t.generators.begin(), t.generators.end(), ',') + 1;
        char evidence[32];
        std::snprintf(evidence, sizeof evidence, " %+.2f", t.evidence);
        out += (out.empty() ? "" : ", ") + (count > 2 ? std::to_string(count) + " generators" : t.generators) + evidence;
    }
    return out;
}

}  // namespace synthscope
