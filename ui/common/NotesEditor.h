#pragma once

#include "storage/ResultsLibrary.h"

#include <QWidget>

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace dealscope {
class AsyncResultsLibrary;
}

namespace dealscope::ui {

// Notes and tags on a listing or a result (issue 14 §6). Read from the library when the target
// changes (one indexed row); saved on the library's storage thread with Save (Ctrl+S).
class NotesEditor final : public QWidget
{
    Q_OBJECT
public:
    NotesEditor(ResultsLibrary &reader, AsyncResultsLibrary &writer, QWidget *parent = nullptr);

    // An empty key shows nothing to edit.
    void setTarget(AnnotationKind kind, const QString &key);
    QString key() const { return m_key; }
    void save();

    QLineEdit *tagsEdit() const { return m_tags; }
    QPlainTextEdit *notesEdit() const { return m_notes; }
    QPushButton *saveButton() const { return m_save; }
    QLabel *stateLabel() const { return m_state; }
    QPushButton *notesToggle() const { return m_toggle; }

Q_SIGNALS:
    void saved(dealscope::AnnotationKind kind, const QString &key, bool ok);

private:
    void setDirty(bool dirty);

    ResultsLibrary &m_reader;
    AsyncResultsLibrary &m_writer;
    AnnotationKind m_kind = AnnotationKind::Listing;
    QString m_key;
    QLineEdit *m_tags;
    QPlainTextEdit *m_notes;
    QPushButton *m_save;
    QPushButton *m_toggle; // the notes box folds away while empty: the report gets the room
    QLabel *m_state;
    bool m_loading = false;
};

} // namespace dealscope::ui
