#include "engine/generator_traces.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace synthscope {
namespace {

std::string lower(std::string s) {
    for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool isWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// `needle` (lower case) occurs in `haystack` (lower case) as a whole word.
bool containsWord(const std::string& haystack, const std::string& needle) {
    for (std::size_t pos = haystack.find(needle); pos != std::string::npos; pos = haystack.find(needle, pos + 1)) {
        const bool startOk = pos == 0 || !isWordChar(haystack[pos - 1]);
        const std::size_t end = pos + needle.size();
        const bool endOk = end >= haystack.size() || !isWordChar(haystack[end]);
        if (startOk && endOk) return true;
    }
    return false;
}

bool contains(const std::string& s, const char* needle) { return s.find(needle) != std::string::npos; }

// The last component of a key: "Exif.Image.Software" -> "software",
// "Xmp.xmpMM.History[1]/stEvt:softwareAgent" -> "softwareagent".
std::string leafName(const std::string& key) {
    const std::size_t cut = key.find_last_of(".:/");
    return lower(cut == std::string::npos ? key : key.substr(cut + 1));
}

// Fields where software names itself: a generator's name there is a declaration, not a mention in a caption.
bool isSoftwareField(const std::string& key) {
    static const std::set<std::string> leaves = {"software", "processingsoftware", "creatortool", "softwareagent", "make", "model",
                                                 "artist", "creator", "program", "source", "generator", "author", "hostcomputer"};
    return leaves.count(leafName(key)) > 0;
}

std::string shortened(const std::string& s, std::size_t n = 80) {
    std::string one = s.substr(0, n);
    std::replace(one.begin(), one.end(), '\n', ' ');
    return s.size() > n ? one + "..." : one;
}

class Traces {
public:
    void strong(const std::string& text) { add("strong", text); }
    void notice(const std::string& text) { add("notice", text); }
    std::vector<Finding> take() { return std::move(findings_); }

private:
    void add(const char* severity, const std::string& text) {
        if (seen_.insert(text).second) findings_.push_back({severity, text});
    }
    std::vector<Finding> findings_;
    std::set<std::string> seen_;
};

void pngTextTraces(const std::vector<MetadataEntry>& text, Traces& t) {
    for (const MetadataEntry& e : text) {
        const std::string key = lower(e.key);
        const std::string where = "PNG " + e.group + " chunk \"" + e.key + "\"";
        if (key == "parameters") {
            if (looksLikeA1111Parameters(e.value))
                t.strong("The " + where + " holds Stable Diffusion generation parameters (AUTOMATIC1111 / Forge web UI format): \"" +
                         shortened(e.value) + "\".");
            else if (contains(lower(e.value), "fooocus"))
                t.strong("The " + where + " holds Fooocus generation parameters.");
            else
                t.notice("The " + where + " is the keyword Stable Diffusion front ends use for generation parameters.");
        } else if (key == "prompt") {
            if (contains(e.value, "class_type")) t.strong("The " + where + " holds a ComfyUI prompt graph (nodes with class_type).");
            else t.notice("The " + where + " holds a prompt: \"" + shortened(e.value) + "\".");
        } else if (key == "workflow") {
            if (contains(e.value, "\"nodes\"")) t.strong("The " + where + " holds a ComfyUI workflow.");
            else t.notice("The " + where + " has the keyword ComfyUI uses for its workflow.");
        } else if (key == "comment" && (contains(e.value, "\"uc\"") || (contains(e.value, "\"steps\"") && contains(e.value, "\"sampler\"")))) {
            t.strong("The " + where + " holds NovelAI-style generation settings (steps, sampler, undesired content).");
        } else if (key == "invokeai_metadata" || key == "invokeai_graph" || key == "sd-metadata" || key == "dream") {
            t.strong("The " + where + " holds InvokeAI generation metadata.");
        } else if (key == "fooocus_scheme") {
            t.strong("The " + where + " holds Fooocus generation metadata.");
        } else if (key == "negative prompt" || key == "negative_prompt" || key == "generation_data" || key == "ai_metadata") {
            t.notice("The " + where + " is a keyword of AI image generators.");
        } else if (key == "description" && contains(e.value, "Job ID:")) {
            t.notice("The " + where + " has a \"Job ID\" line as Midjourney writes it: \"" + shortened(e.value) + "\".");
        } else if (key == "title" && lower(e.value) == "ai generated image") {
            t.notice("The " + where + " says \"AI generated image\" (NovelAI writes this title).");
        }
    }
}

void exifAndXmpTraces(const MetadataReport& r, Traces& t) {
    for (const auto* list : {&r.exif, &r.xmp, &r.iptc}) {
        for (const MetadataEntry& e : *list) {
            const std::string leaf = leafName(e.key);
            if (leaf == "usercomment" && looksLikeA1111Parameters(e.value))
                t.strong("The " + e.key + " tag holds Stable Diffusion generation parameters (AUTOMATIC1111 / Forge web UI format).");
            // ComfyUI saves WebP/JPEG with its graphs in EXIF Make/Model/ImageDescription ("prompt:{...}").
            if ((leaf == "make" || leaf == "model" || leaf == "imagedescription") && contains(e.value, "class_type"))
                t.strong("The " + e.key + " tag holds a ComfyUI prompt graph.");
        }
    }
    const std::string& dst = r.digitalSourceType;
    if (contains(dst, "compositeWithTrainedAlgorithmicMedia"))
        t.strong("XMP declares the IPTC digital source type compositeWithTrainedAlgorithmicMedia: the image was edited or composited with generative AI.");
    else if (contains(dst, "trainedAlgorithmicMedia"))
        t.strong("XMP declares the IPTC digital source type trainedAlgorithmicMedia: the image was created by a generative AI model.");
    else if (contains(dst, "compositeSynthetic"))
        t.notice("XMP declares the IPTC digital source type compositeSynthetic: a composite that includes synthetic elements.");
    else if (contains(dst, "algorithmicMedia"))
        t.notice("XMP declares the IPTC digital source type algorithmicMedia: made by an algorithm (not a trained model).");
}

void softwareNameTraces(const MetadataReport& r, Traces& t) {
    for (const auto* list : {&r.exif, &r.xmp, &r.iptc, &r.pngText}) {
        for (const MetadataEntry& e : *list) {
            if (!isSoftwareField(e.key)) continue;
            const std::string name = generatorNamedIn(e.value);
            if (name.empty()) continue;
            const std::string field = list == &r.pngText ? "PNG text \"" + e.key + "\"" : e.key;
            t.strong("The " + field + " field names " + name + ": \"" + shortened(e.value) + "\".");
        }
    }
}

void c2paTraces(const C2paDetection& c, Traces& t) {
    if (!c.present) return;
    t.notice("A C2PA manifest (Content Credentials) is present in a " + c.container +
             " box: present, signature NOT verified. Check it with a C2PA validator before relying on it.");
    for (const std::string& m : c.mentions) {
        if (m == "trainedAlgorithmicMedia" || m == "compositeWithTrainedAlgorithmicMedia")
            t.strong("The C2PA manifest (signature NOT verified) declares the digital source type " + m + ".");
    }
}

}  // namespace

const std::vector<KnownGenerator>& knownGenerators() {
    static const std::vector<KnownGenerator> list = {
        {"Midjourney", {"midjourney"}},
        {"DALL-E", {"dall-e", "dall\xC2\xB7" "e", "dalle", "dall e"}},
        {"Stable Diffusion", {"stable diffusion", "stablediffusion", "stable-diffusion", "sdxl"}},
        {"Stability AI", {"stability ai", "stability.ai", "dreamstudio"}},
        {"Adobe Firefly", {"firefly"}},
        {"Google Imagen", {"imagen"}},
        {"Google Gemini", {"gemini"}},
        {"NovelAI", {"novelai"}},
        {"ComfyUI", {"comfyui"}},
        {"AUTOMATIC1111", {"automatic1111", "a1111"}},
        {"InvokeAI", {"invokeai"}},
        {"Fooocus", {"fooocus"}},
        {"Leonardo.Ai", {"leonardo.ai", "leonardo ai"}},
        {"Ideogram", {"ideogram"}},
        {"FLUX", {"flux.1", "black forest labs"}},
        {"Runway", {"runwayml", "runway"}},
        {"Craiyon", {"craiyon"}},
        {"NightCafe", {"nightcafe"}},
        {"Kandinsky", {"kandinsky"}},
        {"Microsoft Designer / Bing Image Creator", {"bing image creator", "image creator from designer", "microsoft designer"}},
        {"OpenAI", {"openai", "chatgpt", "gpt-4o"}},
        {"DeepAI", {"deepai"}},
        {"Playground AI", {"playground ai", "playgroundai"}},
        {"Draw Things", {"draw things"}},
        {"DiffusionBee", {"diffusionbee", "diffusion bee"}},
        {"Artbreeder", {"artbreeder"}},
        {"Krea", {"krea.ai", "krea ai"}},
        {"Meta AI", {"imagine with meta", "meta ai"}},
        {"Grok / Aurora", {"grok"}},
    };
    return list;
}

std::string generatorNamedIn(const std::string& text) {
    const std::string l = lower(text);
    for (const KnownGenerator& g : knownGenerators())
        for (const std::string& spelling : g.spellings)
            if (containsWord(l, spelling)) return g.name;
    return {};
}

bool looksLikeA1111Parameters(const std::string& text) {
    return contains(text, "Steps: ") && (contains(text, "Sampler: ") || contains(text, "CFG scale: ") || contains(text, "Seed: "));
}

std::vector<Finding> findGeneratorTraces(const MetadataReport& report) {
    Traces t;
    pngTextTraces(report.pngText, t);
    exifAndXmpTraces(report, t);
    softwareNameTraces(report, t);
    c2paTraces(report.c2pa, t);
    return t.take();
}

}  // namespace synthscope
