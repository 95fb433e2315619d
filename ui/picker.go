package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	"github.com/charmbracelet/bubbles/table"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// spinnerDelay is how long a load may take before the picker shows a spinner, so that fast
// answers do not flash one.
const spinnerDelay = 120 * time.Millisecond

// pickerRow is one choosable item: its id, its cells, and the text filtering matches.
type pickerRow struct {
	ID    string
	Cells []string
	// Mark is a short flag shown before the cells ("!" for a warning).
	Mark string
}

// picker is a filterable table of resources, loaded live. Typing filters at once (letters
// are never shortcuts here); space selects in a multi-select picker. It renders only the
// visible rows, so thousands of items stay quick.
type picker struct {
	common   *Common
	keys     pickerKeys
	multi    bool
	noun     string
	columns  []table.Column
	table    table.Model
	filter   textinput.Model
	spinner  spinner.Model
	rows     []pickerRow
	visible  []int
	selected map[string]bool
	loading  bool
	spin     bool
	err      error
	req      int
	width    int
	height   int
	// noFilter hides the filter line, for short fixed lists.
	noFilter bool
	// shrink lists the columns (0 = the first given) to narrow, in order, when the table
	// is too wide: names before ids, since a cut id is useless.
	shrink []int
	// lead counts the columns before the given ones: the cursor mark, and a multi-select
	// picker's check box.
	lead int
	// marked is the row that carries the cursor mark.
	marked int
	// empty says what to do when there is nothing to choose; detail describes the row under
	// the cursor in full. Either may be nil.
	empty  func() string
	detail func(pickerRow) string
}

// cursorMark marks the row under the cursor in a character, not only in color, so that
// NO_COLOR and monochrome terminals show where the cursor is.
const cursorMark = "›"

// detailLines is the room under the table for the row under the cursor, in full.
const detailLines = 2

type spinnerDueMsg struct{ req int }

func newPicker(c *Common, noun string, multi bool, columns ...table.Column) *picker {
	f := newInput()
	f.Prompt = "Filter: "
	f.Placeholder = "type to filter"
	f.Focus()
	p := &picker{common: c, keys: defaultPickerKeys(multi), multi: multi, noun: noun, filter: f,
		spinner: spinner.New(spinner.WithSpinner(spinner.Dot)), selected: map[string]bool{}}
	km := table.KeyMap{
		LineUp: key.NewBinding(key.WithKeys("up")), LineDown: key.NewBinding(key.WithKeys("down")),
		PageUp: key.NewBinding(key.WithKeys("pgup")), PageDown: key.NewBinding(key.WithKeys("pgdown")),
		GotoTop: key.NewBinding(key.WithKeys("home")), GotoBottom: key.NewBinding(key.WithKeys("end")),
	}
	st := table.DefaultStyles()
	st.Header = st.Header.Bold(true).BorderStyle(lipgloss.NormalBorder()).BorderBottom(true).Padding(0, 1, 0, 0)
	st.Cell = st.Cell.Padding(0, 1, 0, 0)
	st.Selected = c.Styles.Selected
	p.columns = append([]table.Column{{Title: "", Width: 1}}, columns...)
	p.lead = 1
	if multi {
		p.columns = append([]table.Column{{Title: "", Width: 1}, {Title: "", Width: 4}}, columns...)
		p.lead = 2
	}
	p.table = table.New(table.WithColumns(p.columns), table.WithKeyMap(km), table.WithFocused(true), table.WithStyles(st))
	return p
}

// load marks the picker as loading for request req; the caller starts the load itself.
func (p *picker) load(req int) tea.Cmd {
	p.req, p.loading, p.spin, p.err = req, true, false, nil
	p.keys.Retry.SetEnabled(false)
	return tea.Tick(spinnerDelay, func(time.Time) tea.Msg { return spinnerDueMsg{req} })
}

// setRows fills the picker with a load's result for req; stale results are dropped.
func (p *picker) setRows(req int, rows []pickerRow, err error) {
	if req != p.req {
		return
	}
	p.loading, p.spin, p.err = false, false, err
	p.keys.Retry.SetEnabled(err != nil)
	if err != nil {
		return
	}
	was, had := p.current()
	p.rows, p.visible = rows, p.visible[:0] // the shown rows index the old rows
	keep := map[string]bool{}
	for _, r := range rows {
		if p.selected[r.ID] {
			keep[r.ID] = true
		}
	}
	p.selected = keep
	p.refilter()
	if had {
		p.choose(was.ID)
	}
}

// refilter shows the rows that match the filter. The cursor stays on its row while the row
// is shown, and goes to the first row when it is not.
func (p *picker) refilter() {
	was, had := p.current()
	q := strings.ToLower(strings.TrimSpace(p.filter.Value()))
	p.visible = p.visible[:0]
	for i, r := range p.rows {
		if q == "" || strings.Contains(strings.ToLower(r.ID+" "+strings.Join(r.Cells, " ")), q) {
			p.visible = append(p.visible, i)
		}
	}
	p.render()
	if had {
		p.setCursor(0)
		p.choose(was.ID)
	}
}

func (p *picker) render() {
	rows := make([]table.Row, 0, len(p.visible))
	for _, i := range p.visible {
		r := p.rows[i]
		cells := append([]string{" "}, r.Cells...)
		if p.multi {
			box := "[ ]"
			if p.selected[r.ID] {
				box = "[x]"
			}
			cells = append([]string{" ", box + r.Mark}, r.Cells...)
		} else if r.Mark != "" && len(cells) > 1 {
			cells[1] = r.Mark + " " + cells[1]
		}
		rows = append(rows, table.Row(cells))
	}
	cursor := p.table.Cursor()
	p.table.SetRows(rows)
	if cursor >= len(rows) {
		cursor = max(len(rows)-1, 0)
	}
	p.marked = -1
	p.setCursor(cursor)
}

// setCursor moves the cursor to row n of the shown rows, and the cursor mark with it.
func (p *picker) setCursor(n int) {
	p.table.SetCursor(n)
	p.markCursor()
}

// markCursor moves the cursor mark to the row under the cursor. Only the two rows that
// change are touched, so a long list stays quick.
func (p *picker) markCursor() {
	rows, c := p.table.Rows(), p.table.Cursor()
	if c == p.marked {
		return
	}
	if p.marked >= 0 && p.marked < len(rows) {
		rows[p.marked][0] = " "
	}
	if c >= 0 && c < len(rows) {
		rows[c][0] = cursorMark
	}
	p.marked = c
	p.table.SetRows(rows)
}

// current returns the row under the cursor.
func (p *picker) current() (pickerRow, bool) {
	c := p.table.Cursor()
	if c < 0 || c >= len(p.visible) || p.visible[c] >= len(p.rows) {
		return pickerRow{}, false
	}
	return p.rows[p.visible[c]], true
}

// choose puts the cursor on the row with id, clearing the filter if it hides it.
func (p *picker) choose(id string) {
	for n, i := range p.visible {
		if p.rows[i].ID == id {
			p.setCursor(n)
			return
		}
	}
}

// filtered reports whether a filter is typed.
func (p *picker) filtered() bool { return p.filter.Value() != "" }

// clearFilter empties the filter, keeping the cursor on the row it was on; it reports
// whether there was a filter to clear.
func (p *picker) clearFilter() bool {
	if !p.filtered() {
		return false
	}
	r, ok := p.current()
	p.filter.SetValue("")
	p.refilter()
	if ok {
		p.choose(r.ID)
	}
	return true
}

func (p *picker) setSize(w, h int) {
	p.width, p.height = w, h
	p.table.SetWidth(w)
	p.table.SetHeight(max(h-2-detailLines, 3))
	p.fitColumns()
}

// fitColumns shrinks columns so the table fits the width: the name column first (ids must
// stay whole to be useful), then the widest.
func (p *picker) fitColumns() {
	cols := append([]table.Column{}, p.columns...)
	total := 0
	for _, c := range cols {
		total += c.Width + 1
	}
	over := total - p.width
	if p.width <= 0 || over <= 0 {
		p.table.SetColumns(cols)
		return
	}
	offset := p.lead
	order := p.shrink
	if order == nil {
		order = []int{0}
	}
	for _, i := range order {
		c := &cols[i+offset]
		cut := min(over, max(c.Width-8, 0))
		c.Width -= cut
		over -= cut
	}
	// Then narrow the widest column a cell at a time, none below 6: the detail line under
	// the table shows what they cut.
	for ; over > 0; over-- {
		widest := 0
		for i, c := range cols {
			if c.Width > cols[widest].Width {
				widest = i
			}
		}
		if cols[widest].Width <= 6 {
			break
		}
		cols[widest].Width--
	}
	p.table.SetColumns(cols)
}

// update handles the picker's keys and messages; it reports whether the selection changed.
func (p *picker) update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case spinnerDueMsg:
		if msg.req == p.req && p.loading {
			p.spin = true
			return p.spinner.Tick, false
		}
		return nil, false
	case spinner.TickMsg:
		if !p.spin {
			return nil, false
		}
		var cmd tea.Cmd
		p.spinner, cmd = p.spinner.Update(msg)
		return cmd, false
	case tea.KeyMsg:
		switch {
		case key.Matches(msg, p.keys.Up, p.keys.Down, p.keys.PgUp, p.keys.PgDown) || msg.String() == "home" || msg.String() == "end":
			var cmd tea.Cmd
			p.table, cmd = p.table.Update(msg)
			p.markCursor()
			return cmd, !p.multi
		case key.Matches(msg, p.keys.Toggle):
			if r, ok := p.current(); ok {
				p.selected[r.ID] = !p.selected[r.ID]
				if !p.selected[r.ID] {
					delete(p.selected, r.ID)
				}
				p.render()
				return nil, true
			}
			return nil, false
		case key.Matches(msg, p.keys.All):
			for _, i := range p.visible {
				p.selected[p.rows[i].ID] = true
			}
			p.render()
			return nil, true
		case key.Matches(msg, p.keys.Clear):
			p.filter.SetValue("")
			p.refilter()
			return nil, !p.multi
		}
		if p.noFilter {
			return nil, false
		}
		var cmd tea.Cmd
		before := p.filter.Value()
		p.filter, cmd = p.filter.Update(msg)
		if p.filter.Value() != before {
			p.refilter()
			return cmd, !p.multi
		}
		return cmd, false
	}
	return nil, false
}

func (p *picker) view() string {
	s := p.common.Styles
	switch {
	case p.err != nil:
		return p.common.para(s.Error.Render("✘ Could not list "+p.noun+": ")+p.err.Error()) + "\n" +
			p.common.para("Try: "+errorHint(p.err)) + "\n" + s.Subtle.Render("Press ctrl+r to retry.")
	case p.loading && p.spin:
		return p.spinner.View() + " Loading " + p.noun + "…"
	case p.loading:
		return ""
	case len(p.rows) == 0:
		text := "There are no " + p.noun + " here."
		if p.empty != nil {
			text = p.empty()
		}
		return p.common.para(text)
	}
	if p.noFilter {
		return p.table.View() + p.detailView()
	}
	count := fmt.Sprintf("%d of %d %s", len(p.visible), len(p.rows), p.noun)
	if p.multi {
		count += fmt.Sprintf(", %d selected", len(p.selected))
	}
	head := p.filter.View() + "  " + s.Subtle.Render(count)
	if len(p.visible) == 0 {
		return head + "\n\n" + p.common.para(fmt.Sprintf("No matches for %q. Press esc to clear the filter.", p.filter.Value()))
	}
	return head + "\n" + p.table.View() + p.detailView()
}

// detailView is the row under the cursor in full, wrapped, under the table: the table cuts
// long cells with "…", and nothing may be out of the user's reach.
func (p *picker) detailView() string {
	r, ok := p.current()
	if !ok {
		return ""
	}
	text := ""
	if p.detail != nil {
		text = p.detail(r)
	} else if p.cut(r) {
		text = strings.Join(r.Cells, " · ")
	}
	if text == "" {
		return ""
	}
	lines := strings.Split(ansi.Wrap(text, max(p.width, 20), ""), "\n")
	if len(lines) > detailLines {
		lines = lines[:detailLines]
	}
	return "\n" + p.common.Styles.Subtle.Render(strings.Join(lines, "\n"))
}

// cut reports whether the table shows one of the row's cells cut short.
func (p *picker) cut(r pickerRow) bool {
	cols := p.table.Columns()
	for i, c := range r.Cells {
		if n := i + p.lead; n < len(cols) && ansi.StringWidth(c) > cols[n].Width {
			return true
		}
	}
	return false
}
