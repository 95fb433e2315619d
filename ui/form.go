package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

type fieldKind int

const (
	fieldText fieldKind = iota
	fieldChoice
	fieldMulti
)

// field is one input of a form: free text, one choice of several, or several choices.
type field struct {
	label    string
	kind     fieldKind
	input    textinput.Model
	options  []string
	choice   int          // fieldChoice: the chosen option; fieldMulti: the option under the cursor
	picked   map[int]bool // fieldMulti
	validate func(string) error
	hint     string
	hidden   func() bool
}

func textField(label, value, hint string, validate func(string) error) *field {
	in := newInput()
	in.SetValue(value)
	in.Prompt = ""
	in.CharLimit = 256
	return &field{label: label, kind: fieldText, input: in, validate: validate, hint: hint}
}

func choiceField(label string, options []string, chosen string, hint string) *field {
	f := &field{label: label, kind: fieldChoice, options: options, hint: hint}
	for i, o := range options {
		if o == chosen {
			f.choice = i
		}
	}
	return f
}

func multiField(label string, options []string, picked []string, hint string) *field {
	f := &field{label: label, kind: fieldMulti, options: options, picked: map[int]bool{}, hint: hint}
	for i, o := range options {
		for _, p := range picked {
			if o == p {
				f.picked[i] = true
			}
		}
	}
	return f
}

// Value is the field's text or its chosen option.
func (f *field) Value() string {
	switch f.kind {
	case fieldChoice:
		return f.options[f.choice]
	case fieldMulti:
		return strings.Join(f.Values(), ",")
	}
	return strings.TrimSpace(f.input.Value())
}

// Values are a multi field's picked options, in order.
func (f *field) Values() []string {
	var out []string
	for i, o := range f.options {
		if f.picked[i] {
			out = append(out, o)
		}
	}
	return out
}

// form is a column of fields, one focused; ↑/↓ or tab move, ←/→ choose, space toggles.
type form struct {
	common *Common
	keys   formKeys
	fields []*field
	focus  int
}

func newForm(c *Common, fields ...*field) *form {
	f := &form{common: c, keys: defaultFormKeys(), fields: fields}
	f.focusOn(0)
	return f
}

func (f *form) shown() []int {
	var idx []int
	for i, fl := range f.fields {
		if fl.hidden == nil || !fl.hidden() {
			idx = append(idx, i)
		}
	}
	return idx
}

func (f *form) focusOn(i int) {
	for n, fl := range f.fields {
		if n == i && fl.kind == fieldText {
			fl.input.Focus()
		} else {
			fl.input.Blur()
		}
	}
	f.focus = i
}

func (f *form) move(delta int) {
	shown := f.shown()
	pos := 0
	for n, i := range shown {
		if i == f.focus {
			pos = n
		}
	}
	pos = (pos + delta + len(shown)) % len(shown)
	f.focusOn(shown[pos])
}

// Problems lists the fields whose values do not validate.
func (f *form) Problems() []string {
	var out []string
	for _, i := range f.shown() {
		fl := f.fields[i]
		if fl.validate != nil {
			if err := fl.validate(fl.Value()); err != nil {
				out = append(out, fl.label+": "+err.Error())
			}
		}
	}
	return out
}

// update handles a key; it reports whether a value changed.
func (f *form) update(msg tea.Msg) (tea.Cmd, bool) {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil, false
	}
	fl := f.fields[f.focus]
	switch {
	case key.Matches(km, f.keys.Field):
		f.move(1)
		return nil, false
	case key.Matches(km, f.keys.Prev):
		f.move(-1)
		return nil, false
	}
	switch fl.kind {
	case fieldChoice:
		switch km.String() {
		case "left":
			fl.choice = (fl.choice - 1 + len(fl.options)) % len(fl.options)
			return nil, true
		case "right", " ":
			fl.choice = (fl.choice + 1) % len(fl.options)
			return nil, true
		}
	case fieldMulti:
		switch km.String() {
		case "left":
			fl.choice = (fl.choice - 1 + len(fl.options)) % len(fl.options)
		case "right":
			fl.choice = (fl.choice + 1) % len(fl.options)
		case " ", "x":
			fl.picked[fl.choice] = !fl.picked[fl.choice]
			return nil, true
		}
		return nil, false
	case fieldText:
		before := fl.input.Value()
		var cmd tea.Cmd
		fl.input, cmd = fl.input.Update(km)
		return cmd, fl.input.Value() != before
	}
	return nil, false
}

func (f *form) view() string {
	s := f.common.Styles
	var b strings.Builder
	for _, i := range f.shown() {
		fl := f.fields[i]
		focused := i == f.focus
		marker := "  "
		label := s.Label.Render(fl.label)
		if focused {
			marker = s.Focused.Render("› ")
			label = s.Label.Inherit(s.Focused).Render(fl.label)
		}
		var value string
		switch fl.kind {
		case fieldText:
			value = fl.input.View()
		case fieldChoice:
			var parts []string
			for n, o := range fl.options {
				if n == fl.choice {
					parts = append(parts, s.Selected.Render("("+"•"+") "+o))
				} else {
					parts = append(parts, "( ) "+o)
				}
			}
			value = joinWrapped(parts, "  ", f.common.Width-23, strings.Repeat(" ", 23))
		case fieldMulti:
			var parts []string
			for n, o := range fl.options {
				box := "[ ]"
				if fl.picked[n] {
					box = "[x]"
				}
				item := box + " " + o
				if focused && n == fl.choice {
					item = s.Focused.Render("‹" + item + "›")
				}
				parts = append(parts, item)
			}
			value = joinWrapped(parts, " ", f.common.Width-23, strings.Repeat(" ", 23))
		}
		fmt.Fprintf(&b, "%s%s %s\n", marker, label, value)
		if focused && fl.hint != "" {
			hint := s.Plain.Width(max(f.common.Width-23, 20)).Render(fl.hint)
			for _, line := range strings.Split(hint, "\n") {
				fmt.Fprintf(&b, "%s%s\n", strings.Repeat(" ", 23), s.Subtle.Render(strings.TrimRight(line, " ")))
			}
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// joinWrapped joins a field's options with sep, going on to a new line, after indent,
// where the next option would pass width: no option is cut off on a narrow screen.
func joinWrapped(parts []string, sep string, width int, indent string) string {
	if width <= 0 {
		return strings.Join(parts, sep)
	}
	var b strings.Builder
	used := 0
	for i, p := range parts {
		w := ansi.StringWidth(p)
		switch {
		case i == 0:
		case used+ansi.StringWidth(sep)+w > width:
			b.WriteString("\n" + indent)
			used = 0
		default:
			b.WriteString(sep)
			used += ansi.StringWidth(sep)
		}
		b.WriteString(p)
		used += w
	}
	return b.String()
}

// newInput is a text input with a steady cursor: no blink timer runs, which keeps the
// terminal quiet for screen recordings and remote sessions.
func newInput() textinput.Model {
	in := textinput.New()
	in.Cursor.SetMode(cursor.CursorStatic)
	return in
}
