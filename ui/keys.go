package ui

import "github.com/charmbracelet/bubbles/key"

// globalKeys are the keys every screen shares.
type globalKeys struct {
	Next  key.Binding
	Back  key.Binding
	Help  key.Binding
	Abort key.Binding
}

// defaultGlobalKeys are enter, esc, ? and ctrl+c; f1 opens the help too, for when a text
// field has focus and ? is typed into it.
func defaultGlobalKeys() globalKeys {
	return globalKeys{
		Next:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "next")),
		Back:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Help:  key.NewBinding(key.WithKeys("?", "f1"), key.WithHelp("?", "help & why")),
		Abort: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
	}
}

// pickerKeys move in and choose from a picker.
type pickerKeys struct {
	Up     key.Binding
	Down   key.Binding
	PgUp   key.Binding
	PgDown key.Binding
	Toggle key.Binding
	All    key.Binding
	Clear  key.Binding
	Retry  key.Binding
}

func defaultPickerKeys(multi bool) pickerKeys {
	k := pickerKeys{
		Up:     key.NewBinding(key.WithKeys("up"), key.WithHelp("↑/↓", "move")),
		Down:   key.NewBinding(key.WithKeys("down")),
		PgUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup/pgdn", "page")),
		PgDown: key.NewBinding(key.WithKeys("pgdown")),
		Toggle: key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "select")),
		All:    key.NewBinding(key.WithKeys("ctrl+a"), key.WithHelp("ctrl+a", "all shown")),
		Clear:  key.NewBinding(key.WithKeys("ctrl+u"), key.WithHelp("type", "filter")),
		Retry:  key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "retry")),
	}
	if !multi {
		k.Toggle.SetEnabled(false)
		k.All.SetEnabled(false)
	}
	k.Retry.SetEnabled(false)
	return k
}

// formKeys move between the fields of a form and change choices.
type formKeys struct {
	Field  key.Binding
	Prev   key.Binding
	Choose key.Binding
	Toggle key.Binding
}

func defaultFormKeys() formKeys {
	return formKeys{
		Field:  key.NewBinding(key.WithKeys("down", "tab"), key.WithHelp("↑/↓", "field")),
		Prev:   key.NewBinding(key.WithKeys("up", "shift+tab")),
		Choose: key.NewBinding(key.WithKeys("left", "right"), key.WithHelp("←/→", "choose")),
		Toggle: key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "toggle")),
	}
}
