#include "ui/common/NotesEditor.h"

#include "storage/AsyncResultsLibrary.h"

#include <QGridLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QShortcut>

using namespace Qt::Literals::StringLiterals;

namespace dealscope::ui {

NotesEditor::NotesEditor(ResultsLibrary &reader, AsyncResultsLibrary &writer, QWidget *parent)
    : QWidget(parent)
    , m_reader(reader)
    , m_writer(writer)
{
    setObjectName(u"notesEditor"_s);
    auto *layout = new QGridLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_tags = new QLineEdit(this);
    m_tags->setObjectName(u"notesTags"_s);
    m_tags->setAccessibleName(tr("Tags"));
    m_tags->setPlaceholderText(tr("Tags, separated by commas"));
    m_tags->setMaxLength(500);
    m_notes = new QPlainTextEdit(this);
    m_notes->setObjectName(u"notesText"_s);
    m_notes->setAccessibleName(tr("Notes"));
    m_notes->setPlaceholderText(tr("Notes"));
    m_notes->setTabChangesFocus(true);
    m_notes->setFixedHeight(m_notes->fontMetrics().lineSpacing() * 3 + 12);
    m_save = new QPushButton(tr("Save"), this);
    m_save->setObjectName(u"notesSave"_s);
    m_save->setAccessibleName(tr("Save notes and tags"));
    m_toggle = new QPushButton(tr("Notes"), this);
    m_toggle->setObjectName(u"notesToggle"_s);
    m_toggle->setCheckable(true);
    m_state = new QLabel(this);
    m_state->setObjectName(u"notesState"_s);
    layout->addWidget(m_tags, 0, 0);
    layout->addWidget(m_toggle, 0, 1);
    layout->addWidget(m_save, 0, 2);
    layout->addWidget(m_state, 0, 3);
    layout->addWidget(m_notes, 1, 0, 1, 4);
    m_notes->hide();
    connect(m_toggle, &QPushButton::toggled, m_notes, &QWidget::setVisible);
    connect(m_save, &QPushButton::clicked, this, &NotesEditor::save);
    connect(m_tags, &QLineEdit::textEdited, this, [this] { setDirty(true); });
    connect(m_notes, &QPlainTextEdit::textChanged, this, [this] {
        if (!m_loading)
            setDirty(true);
    });
    auto *shortcut = new QShortcut(QKeySequence::Save, this);
    shortcut->setContext(Qt::WidgetWithChildrenShortcut);
    connect(shortcut, &QShortcut::activated, this, &NotesEditor::save);
    setTarget(AnnotationKind::Listing, QString());
}

void NotesEditor::setTarget(AnnotationKind kind, const QString &key)
{
    m_kind = kind;
    m_key = key;
    const Annotation a = key.isEmpty() ? Annotation {} : m_reader.annotation(kind, key);
    m_loading = true;
    m_tags->setText(a.tags.join(u", "_s));
    m_notes->setPlainText(a.notes);
    m_loading = false;
    m_toggle->setChecked(!a.notes.trimmed().isEmpty());
    setEnabled(!key.isEmpty());
    setDirty(false);
}

void NotesEditor::setDirty(bool dirty)
{
    m_save->setEnabled(dirty && !m_key.isEmpty());
    m_state->setText(dirty ? tr("Not saved yet") : QString());
}

void NotesEditor::save()
{
    if (m_key.isEmpty())
        return;
    Annotation a;
    a.tags = Annotation::parseTags(m_tags->text());
    a.notes = m_notes->toPlainText();
    m_save->setEnabled(false);
    m_state->setText(tr("Saving…"));
    const AnnotationKind kind = m_kind;
    const QString key = m_key;
    m_writer.setAnnotation(kind, key, a, this, [this, kind, key](bool ok, const QString &error) {
        if (key == m_key)
            m_state->setText(ok ? tr("Saved") : tr("Not saved: %1").arg(error));
        Q_EMIT saved(kind, key, ok);
    });
}

} // namespace dealscope::ui
