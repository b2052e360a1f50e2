#pragma once
#include <array>
#include <string>
#include <vector>

namespace synthscope {

enum class InputNormalization { None, MeanStd };
enum class ModelOutput { Softmax, Logits };
enum class SmallImagePolicy { Pad, Reject };
enum class Precision { Fp32, Fp16, Bf16 };

// Platt scaling of the image verdict: p' = sigmoid(slope * logit(p) + intercept), fitted by the model's
// recipe on a validation split (never on the test split). A model's raw mean of 1 - p(authentic) is
// often far from a probability (a 10-class softmax with a 50 % authentic prior pushes fakes below 0.5);
// the fitted map makes the verdict a probability for a 50/50 prior and moves the 0.5 threshold to where
// the validation data put it. Monotone, so rankings (ROC AUC) are unchanged.
// A term of the verdict's calibration from generator fingerprints: weight times the log of the mean
// likelihood ratio fake / real over these generators' fingerprints (a mixture: "made by one of them").
struct FingerprintTerm {
    std::vector<std::string> generators;
    double weight = 0;
};

struct VerdictCalibration {
    bool enabled = false;
    double slope = 1.0, intercept = 0.0;
    std::string fittedOn;  // what the fit used, shown to the user
    // Optional: evidence of the image's correlation with a fingerprint library, fitted jointly with the
    // slope and intercept (ImageAnalyzer computes it; models/baseline/README.md has the figures).
    std::string fingerprintLibrary;  // absolute folder; empty: no fingerprint terms
    std::vector<FingerprintTerm> fingerprintTerms;
    // sigmoid(slope * logit(p) + intercept + fingerprintLogit); fingerprintLogit is the sum of the terms.
    double apply(double p, double fingerprintLogit = 0) const;
};

// The images a model was validated on, as its manifest states them (optional "validated_on"). Beyond
// them the engine still analyses, but says so beside the verdict instead of extrapolating silently: a
// patch model trained on small images can flag most camera-resolution photos.
struct ValidatedRange {
    int maxSide = 0;   // longest image side in the training and validation data; 0: not stated
    std::string note;  // what is known beyond it (measured false positives, ...), shown to the user
    // The warning for an image of this size, or "" inside the range.
    std::string warningFor(int width, int height) const;
};

// A whole-image model that scores the candidates of the combined attribution by the image's look
// (look_model.h): a TorchScript file taking the uint8 RGB image (H x W x 3) and returning one
// log-probability per answer.
struct LookSpec {
    std::string path;                  // absolute, resolved from "file" against the manifest's folder
    std::string sha256;                // empty: not checked
    std::vector<std::string> answers;  // candidate names: generator names, or the class name of an unnamed class
    double weight = 0;                 // of its log-probability in the combination; 0: not used
    bool used() const { return weight > 0 && !path.empty(); }
};

// Everything the engine needs to know to use a TorchScript detector: read from the JSON manifest beside
// the weights (format in models/MANIFEST.md). Free-form parts (provenance, accuracy) are kept as JSON
// text so that they reach the user unchanged.
struct ModelManifest {
    std::string manifestPath;  // absolute
    std::string weightsPath;   // absolute, resolved against the manifest's folder
    std::string name;
    std::string version;
    std::string description;
    std::string sha256;        // empty: not checked
    std::vector<std::string> classes;
    // Per class (same order): the generator it stands for, as the data names it ("generators" in the
    // manifest; a class not listed stands for the generator of its own name). Empty for the authentic
    // class and for classes that are not one generator (e.g. "other diffusion models").
    std::vector<std::string> classGenerators;
    // "attribution": {"fingerprint_weight": w}: how much the generator fingerprints' evidence counts when
    // it is combined with this model's attribution (attribution_fusion.h); 0: it is not combined.
    double fingerprintWeight = 0;
    // "attribution": {"unnamed_offset": b}: added to the combined score of each class that stands for no
    // named generator (it has no fingerprint to speak for it); negative: name a generator unless the
    // detector is clearly for the unnamed class. 0 when absent.
    double unnamedOffset = 0;
    std::string fingerprintWeightFittedOn;  // how fingerprint_weight and unnamed_offset were chosen
    // "attribution": {"temperature": T}: every combined score is divided by T before the softmax, so that
    // the probability shown for the generator named is calibrated (T > 1 for a combination of sources that
    // are not independent); it changes no ranking. 1 when absent.
    double attributionTemperature = 1;
    // "attribution": {"look": {...}}: a third source of the combined attribution, from the whole image's
    // look (look_model.h); absent (weight 0) when the manifest has none.
    LookSpec look;
    int authenticIndex = 0;
    int inputSize = 224;
    InputNormalization normalization = InputNormalization::None;
    std::array<float, 3> mean{0.f, 0.f, 0.f};
    std::array<float, 3> std{1.f, 1.f, 1.f};
    ModelOutput output = ModelOutput::Softmax;
    int stride = 0;            // 0: patch size (minimal-overlap grid)
    int verdictTopK = 5;
    SmallImagePolicy smallImage = SmallImagePolicy::Pad;
    double inconclusiveLow = 0.35;
    double inconclusiveHigh = 0.65;
    VerdictCalibration calibration;
    ValidatedRange validatedOn;
    std::string preferredDevice = "auto";
    Precision preferredPrecision = Precision::Fp32;
    // Freeze the TorchScript graph and optimise it for inference (conv+batch-norm folding, oneDNN
    // layouts on CPU) when loading; the detector checks the optimised graph against the loaded one.
    bool optimizeGraph = true;
    int batchSize = 16;
    std::string provenanceJson = "{}";
    std::string accuracyJson = "{}";

    const std::string& authenticClass() const { return classes[std::size_t(authenticIndex)]; }
    // Every analysis combines the attribution with the fingerprints its calibration reads (ImageAnalyzer).
    bool combinesAttributionItself() const { return fingerprintWeight > 0 && !calibration.fingerprintLibrary.empty(); }
    bool weightsPresent() const;
};

// Throw EngineError(Model) naming the manifest and the field at fault.
ModelManifest loadManifest(const std::string& manifestPath);
ModelManifest parseManifest(const std::string& jsonText, const std::string& manifestPath);

const char* precisionName(Precision p);

}  // namespace synthscope
