#pragma once
#include <QDialog>
#include <QImage>
#include <QString>
#include <QThreadPool>

#include <vector>

class QGridLayout;
class QLabel;
class QPushButton;

namespace synthscope::ui {

// One fingerprint of a library as the gallery shows it.
struct FingerprintCard {
    QString name;
    QString details;  // what it was made from, its residual, where the correlations of reals and fakes lie
    QString note;     // the sidecar's own note (a tooltip)
    QImage pattern, spectrum;
};

// A library read for the gallery: its folder and cards, or why it could not be read.
struct FingerprintGallery {
    QString folder;
    QString error;
    std::vector<FingerprintCard> cards;
};

// Reads a fingerprint library (the installed one when `folder` is empty) and draws its cards. Slow enough
// (a Fourier transform per fingerprint) to run off the GUI thread.
FingerprintGallery loadFingerprintGallery(const QString& folder);

// Every card of a gallery drawn on white as one picture, for slides and handouts (Save Picture...): a row per
// fingerprint, its name and details on the left, its pattern and spectrum on the right. Null when it has none.
QImage galleryPicture(const FingerprintGallery& gallery);

// Analysis > Generator Fingerprints: every fingerprint of a library side by side, in image and Fourier
// space, with what it was made from, so that a class can be shown how generators leave traces without
// an image open (the Fingerprints tab shows only the three closest to one image). Another library (DIF's
// published fingerprints, one built with `synthscope fingerprint build`) can be opened from its folder,
// and made the one images are compared with (Use for Comparisons: libraryChosen). The library is read on a
// pool thread of the dialog's own.
class FingerprintGalleryDialog : public QDialog {
    Q_OBJECT
public:
    explicit FingerprintGalleryDialog(QWidget* parent = nullptr);
    ~FingerprintGalleryDialog() override;  // waits for a library still being read

    void showLibrary(const QString& folder);  // empty: the installed library; galleryShown() follows
    void showGallery(const FingerprintGallery& gallery);  // one already read (loadFingerprintGallery)
    // The library images are compared with (UserSettings::fingerprintLibrary; empty: the installed one).
    void setLibraryInUse(const QString& folder);
    bool showsLibraryInUse() const;
    QString header() const;                   // what the dialog says of the library shown
    const FingerprintGallery& shown() const { return shown_; }
    int cardCount() const { return int(shown_.cards.size()); }
    void useShownLibrary();                   // Use for Comparisons

signals:
    void galleryShown();
    // Use for Comparisons: the folder shown, or empty when it is the installed library (so a newer installed
    // one is followed).
    void libraryChosen(const QString& folder);

private:
    void chooseFolder();
    void savePicture();
    void updateHeader();

    QLabel* header_;
    QPushButton* use_;
    QString headerText_;       // what showGallery says of the library itself
    QString inUseResolved_;    // its folder, canonical; empty when none can be found
    QString inUseError_;
    QGridLayout* grid_;
    FingerprintGallery shown_;
    quint64 request_ = 0;  // only the latest request's answer is shown
    QThreadPool pool_;
};

}  // namespace synthscope::ui
