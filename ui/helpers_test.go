package ui

import (
	"context"
	"fmt"
	"io"
	"log"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/vpclink/vpclink/awsops/sandbox"
	"github.com/vpclink/vpclink/steps"
)

func init() {
	lipgloss.SetColorProfile(termenv.Ascii)
	log.SetOutput(io.Discard)
}

// env is a wizard on an in-memory demo account where AWS's waits pass at once.
type env struct {
	sb    *sandbox.Sandbox
	store *steps.Store
	w     *Wizard
}

func newEnv(t *testing.T, faults string) *env {
	t.Helper()
	sb, err := sandbox.New(sandbox.Options{Speed: 0, Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	store := &steps.Store{Dir: t.TempDir()}
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	w := NewWizard(context.Background(), WizardOptions{Account: sb.Account(), Store: store, Demo: true, Flags: "--demo"}, r)
	t.Cleanup(w.cancel)
	return &env{sb: sb, store: store, w: w}
}

// run executes cmd and feeds its messages back into the wizard, as the tea runtime would,
// until nothing is left to do. Spinner ticks are dropped: they never end.
func (e *env) run(t *testing.T, cmd tea.Cmd) {
	t.Helper()
	queue := []tea.Cmd{cmd}
	for steps := 0; len(queue) > 0; steps++ {
		if steps > 500 {
			t.Fatal("the wizard keeps producing commands")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg, ok := runWithTimeout(c)
		if !ok {
			t.Fatalf("a command (%T) gave no message within %v", c, cmdWait)
		}
		if strings.HasPrefix(fmt.Sprintf("%T", msg), "cursor.") {
			continue // the text cursor's blinking never ends
		}
		switch m := msg.(type) {
		case nil, spinner.TickMsg, spinnerDueMsg:
		case tea.BatchMsg:
			queue = append(queue, m...)
		case tea.QuitMsg:
		default:
			_, next := e.w.Update(m)
			queue = append(queue, next)
		}
	}
}

// cmdWait bounds one command of the wizard's in a test. Every command returns within a
// second (the demo account answers at once, the slowest tick is the cursor's blink); the bound
// only turns a hang into a failure, so it is far above what a loaded machine under -race needs.
const cmdWait = 2 * time.Minute

// runWithTimeout runs c and returns its message, or false if it gave none within cmdWait.
func runWithTimeout(c tea.Cmd) (tea.Msg, bool) {
	ch := make(chan tea.Msg, 1)
	go func() { ch <- c() }()
	select {
	case m := <-ch:
		return m, true
	case <-time.After(cmdWait):
		return nil, false
	}
}

// init starts the wizard at 80×24.
func (e *env) init(t *testing.T) {
	t.Helper()
	e.w.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	e.run(t, e.w.Init())
}

// press sends keys: names such as "enter", "esc", "ctrl+a", "space", or text to type.
func (e *env) press(t *testing.T, keys ...string) {
	t.Helper()
	for _, k := range keys {
		for _, msg := range keyMsgs(k) {
			_, cmd := e.w.Update(msg)
			e.run(t, cmd)
		}
	}
}

var namedKeys = map[string]tea.KeyType{
	"enter": tea.KeyEnter, "esc": tea.KeyEscape, "up": tea.KeyUp, "down": tea.KeyDown, "left": tea.KeyLeft,
	"right": tea.KeyRight, "tab": tea.KeyTab, "space": tea.KeySpace, "backspace": tea.KeyBackspace,
	"ctrl+a": tea.KeyCtrlA, "ctrl+c": tea.KeyCtrlC, "ctrl+r": tea.KeyCtrlR, "ctrl+g": tea.KeyCtrlG, "ctrl+s": tea.KeyCtrlS, "ctrl+u": tea.KeyCtrlU, "pgdown": tea.KeyPgDown, "f1": tea.KeyF1,
}

func keyMsgs(k string) []tea.Msg {
	if t, ok := namedKeys[k]; ok {
		if t == tea.KeySpace {
			return []tea.Msg{tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}}
		}
		return []tea.Msg{tea.KeyMsg{Type: t}}
	}
	var out []tea.Msg
	for _, r := range k {
		out = append(out, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
	return out
}
