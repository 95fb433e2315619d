package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"
)

// formField is one field of a screen's form: a huh field bound to the draft plan, with
// the check that says what is wrong with its value (the same function the field validates
// with), and a hint shown while it has focus.
type formField struct {
	field huh.Field
	label string
	hint  string
	check func() error
}

// form is an embedded huh.Form whose fields are bound to the draft plan. The wizard keeps
// enter (next screen) and esc (back); tab or ↑/↓ move between fields, ←/→ choose, space
// toggles. build gives the fields that apply now: the form is built again when a choice
// changes which fields apply, or when tab goes past the last field.
type form struct {
	common *Common
	keys   formKeys
	build  func() []formField
	fields []formField
	f      *huh.Form
	theme  *huh.Theme
	// blocked is the field that kept focus when the user tried to leave it.
	blocked huh.Field
}

// newForm makes a form whose fields are built when its screen is entered: the wizard's
// first frame does not wait for forms it does not show.
func newForm(c *Common, build func() []formField) *form {
	return &form{common: c, keys: defaultFormKeys(), build: build}
}

// rebuild makes a fresh huh.Form on the fields that apply now, focused on the first.
func (f *form) rebuild() tea.Cmd {
	if f.theme == nil {
		f.theme = formTheme(f.common.Styles)
	}
	f.fields = f.build()
	var fields []huh.Field
	for _, fl := range f.fields {
		// Themed before the group draws them: huh's default theme costs milliseconds to make.
		fields = append(fields, fl.field.WithTheme(f.theme))
	}
	f.f = huh.NewForm(huh.NewGroup(fields...).WithTheme(f.theme)).
		WithShowHelp(false).WithShowErrors(false).
		WithTheme(f.theme).WithKeyMap(f.keyMap()).
		WithWidth(max(f.common.Width-23, 20))
	return f.f.Init()
}

// setWidth gives the fields the room beside the labels.
func (f *form) setWidth(w int) {
	if f.f != nil {
		f.f = f.f.WithWidth(max(w-23, 20))
	}
}

// keyMap is huh's keys with the wizard's: ↑/↓ and tab move between fields; ←/→ choose in
// a choice and move in a multiple choice, where space toggles.
func (f *form) keyMap() *huh.KeyMap {
	k := huh.NewDefaultKeyMap()
	next := key.NewBinding(key.WithKeys(f.keys.Field.Keys()...))
	prev := key.NewBinding(key.WithKeys(f.keys.Prev.Keys()...))
	none := key.NewBinding(key.WithDisabled())
	k.Quit = none
	k.Input.Next, k.Input.Prev, k.Input.Submit = next, prev, none
	k.Select.Next, k.Select.Prev, k.Select.Submit, k.Select.Filter = next, prev, none, none
	k.Select.Left = key.NewBinding(key.WithKeys("left"))
	k.Select.Right = key.NewBinding(key.WithKeys("right", " "))
	k.MultiSelect.Next, k.MultiSelect.Prev, k.MultiSelect.Submit, k.MultiSelect.Filter = next, prev, none, none
	k.MultiSelect.Up = key.NewBinding(key.WithKeys("left"))
	k.MultiSelect.Down = key.NewBinding(key.WithKeys("right"))
	k.MultiSelect.Toggle = key.NewBinding(key.WithKeys(" ", "x"))
	k.MultiSelect.SelectAll, k.MultiSelect.SelectNone = none, none
	k.MultiSelect.HalfPageUp, k.MultiSelect.HalfPageDown = none, none
	k.MultiSelect.GotoTop, k.MultiSelect.GotoBottom = none, none
	return k
}

// formTheme draws a field's value only: form.view adds the label and the focus marker (›,
// not color alone). A choice shows ← value → while it has focus.
func formTheme(s Styles) *huh.Theme {
	base := s.Plain
	t := &huh.Theme{}
	t.Form.Base, t.Group.Base = base, base
	t.FieldSeparator = base.SetString("\n")
	t.Help = help.New().Styles
	focused := huh.FieldStyles{
		Base:                base,
		Title:               base,
		Description:         s.Subtle,
		ErrorIndicator:      base.SetString(""),
		ErrorMessage:        base.SetString(""),
		SelectSelector:      base.SetString("› "),
		Option:              base,
		NextIndicator:       base.MarginLeft(1).SetString("→"),
		PrevIndicator:       base.MarginRight(1).SetString("←"),
		MultiSelectSelector: s.Focused.SetString("›"),
		SelectedOption:      s.Selected,
		SelectedPrefix:      base.SetString("[x] "),
		UnselectedOption:    base,
		UnselectedPrefix:    base.SetString("[ ] "),
	}
	focused.Card = focused.Base
	focused.TextInput.Prompt = base
	focused.TextInput.Text = base
	focused.TextInput.Placeholder = s.Subtle
	focused.TextInput.Cursor = base.Reverse(true)
	blurred := focused
	blurred.SelectedOption = base
	blurred.MultiSelectSelector = base.SetString(" ")
	blurred.NextIndicator = base.SetString(" ")
	blurred.PrevIndicator = base.SetString("  ")
	t.Focused, t.Blurred = focused, blurred
	return t
}

// focused is the field with focus.
func (f *form) focused() *formField {
	if f.f == nil {
		return nil
	}
	ff := f.f.GetFocusedField()
	for i := range f.fields {
		if f.fields[i].field == ff {
			return &f.fields[i]
		}
	}
	return nil
}

// Typing reports whether a text field has focus: printable keys are its own.
func (f *form) Typing() bool {
	if fl := f.focused(); fl != nil {
		_, ok := fl.field.(*huh.Input)
		return ok
	}
	return false
}

// Problems lists what is wrong with the fields' values.
func (f *form) Problems() []string {
	var out []string
	for _, fl := range f.fields {
		if fl.check == nil {
			continue
		}
		if err := fl.check(); err != nil {
			out = append(out, err.Error())
		}
	}
	return out
}

// update passes msg to the form. When tab goes past the last field the form would be
// complete: it starts again at the first field instead.
func (f *form) update(msg tea.Msg) tea.Cmd {
	if f.f == nil {
		return nil
	}
	before := f.f.GetFocusedField()
	m, cmd := f.f.Update(msg)
	f.f = m.(*huh.Form)
	if km, ok := msg.(tea.KeyMsg); ok {
		f.blocked = nil
		if key.Matches(km, f.keys.Field, f.keys.Prev) && before.Error() != nil {
			f.blocked = before
		}
	}
	if f.f.State != huh.StateNormal {
		return f.rebuild()
	}
	return cmd
}

// view draws each field as the other screens draw: a marker for the focused field, its
// label, its value beside the label, and the focused field's hint under it.
func (f *form) view() string {
	s := f.common.Styles
	focus := f.focused()
	indent := strings.Repeat(" ", 23)
	if f.f == nil {
		return ""
	}
	var b strings.Builder
	for i := range f.fields {
		fl := &f.fields[i]
		marker, label := "  ", s.Label.Render(fl.label)
		if fl == focus {
			marker, label = s.Focused.Render("› "), s.Label.Inherit(s.Focused).Render(fl.label)
		}
		lines := strings.Split(fl.field.View(), "\n")
		for n, line := range lines {
			line = strings.TrimRight(line, " ")
			if n == 0 {
				fmt.Fprintf(&b, "%s%s %s\n", marker, label, line)
			} else {
				b.WriteString(strings.TrimRight(indent+line, " ") + "\n")
			}
		}
		if fl != focus {
			continue
		}
		// huh keeps focus on a field that does not validate when the user tries to leave
		// it: the field says why, where the hint was.
		width := max(f.common.Width-23, 20)
		if err := fl.field.Error(); err != nil && fl.field == f.blocked {
			if why := fl.check(); fl.check != nil && why != nil {
				err = why
			}
			for _, line := range strings.Split(wrapText("✘ "+err.Error(), width, "  "), "\n") {
				b.WriteString(indent + s.Error.Render(line) + "\n")
			}
			continue
		}
		if fl.hint != "" {
			for _, line := range strings.Split(wrapText(fl.hint, width, ""), "\n") {
				b.WriteString(indent + s.Subtle.Render(line) + "\n")
			}
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// textInput is a one-line text field bound to v; form.view draws its label.
func textInput(v *string, validate func(string) error) *huh.Input {
	in := huh.NewInput().Inline(true).Prompt("").CharLimit(256).Value(v)
	if validate != nil {
		in.Validate(validate)
	}
	return in
}

// numInput is a one-line text field bound to a number of the plan through n.
func numInput(n *boundText, validate func(string) error) *huh.Input {
	return huh.NewInput().Inline(true).Prompt("").CharLimit(32).Accessor(n).Validate(validate)
}

// choice is an inline choice bound to v.
func choice[T comparable](v *T, opts ...huh.Option[T]) *huh.Select[T] {
	return huh.NewSelect[T]().Inline(true).Options(opts...).Value(v)
}

// options are options whose keys are their values.
func options(values ...string) []huh.Option[string] {
	var out []huh.Option[string]
	for _, v := range values {
		out = append(out, huh.NewOption(v, v))
	}
	return out
}

// newInput is a text input with a steady cursor: no blink timer runs, which keeps the
// terminal quiet for screen recordings and remote sessions.
func newInput() textinput.Model {
	in := textinput.New()
	in.Cursor.SetMode(cursor.CursorStatic)
	return in
}
