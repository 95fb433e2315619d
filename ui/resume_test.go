package ui

import (
	"io"
	"strings"
	"syscall"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/vpclink/vpclink/steps"
)

func TestWelcomeOffersToFinishAHalfDestroyedRunWithTheCommand(t *testing.T) {
	e := newEnv(t, "")
	j := &steps.Journal{RunID: "orders-abc123", State: steps.StateDestroying, Region: e.w.c.Account.Region, Plan: demoPlan(t),
		StartedAt: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC), Steps: []steps.StepRecord{{ID: steps.IDRestAPI, Title: "REST API", Status: steps.Done}},
		Resources: steps.Resources{RestAPIID: "abc123defg", DeploymentID: "dep123", Stage: "dev"}}
	if err := e.store.Save(j); err != nil {
		t.Fatal(err)
	}
	e.init(t)
	view := e.w.View()
	if !strings.Contains(view, "Finish destroying orders-abc123") || !strings.Contains(view, "half-destroyed") {
		t.Fatalf("Welcome does not list the half-destroyed run:\n%s", view)
	}
	e.press(t, "down", "enter")
	view = e.w.View()
	if !strings.Contains(view, "vpclink destroy --demo orders-abc123") || strings.Contains(view, "Resume this run?") {
		t.Errorf("choosing the half-destroyed run shows:\n%s\nwant the destroy command, and no offer to resume", view)
	}
	e.press(t, "y")
	if e.w.stage != stageWelcome || e.w.Journal() != nil {
		t.Errorf("y on a half-destroyed run moved the wizard to %s", e.w.stage)
	}
	e.press(t, "esc")
	if view := e.w.View(); !strings.Contains(view, "New setup") {
		t.Errorf("esc does not go back to the list:\n%s", view)
	}
}

func TestWelcomeAsksBeforeResumingAndNGoesBack(t *testing.T) {
	e := newEnv(t, "")
	j := &steps.Journal{RunID: "orders-abc123", State: steps.StateFailed, Region: e.w.c.Account.Region, Plan: demoPlan(t),
		StartedAt: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC), Steps: []steps.StepRecord{{ID: steps.IDRestAPI, Title: "REST API", Status: steps.Failed}},
		Resources: steps.Resources{RestAPIID: "gone123456"}}
	if err := e.store.Save(j); err != nil {
		t.Fatal(err)
	}
	e.init(t)
	e.press(t, "down", "enter")
	view := e.w.View()
	for _, want := range []string{"Run orders-abc123 (failed)", "✘ REST API gone123456: gone: resume creates it again", "then builds: REST API.", "Resume this run? (y/N)"} {
		if !strings.Contains(view, want) {
			t.Errorf("before resuming Welcome shows:\n%s\nwant %q", view, want)
		}
	}
	if e.w.stage != stageWelcome {
		t.Fatalf("enter on a run went to %s before the user said yes", e.w.stage)
	}
	e.press(t, "n")
	if e.w.stage != stageWelcome || strings.Contains(e.w.View(), "Resume this run?") {
		t.Errorf("n did not go back to the list: stage %s\n%s", e.w.stage, e.w.View())
	}
}

// ctrlCModel quits when it sees ctrl+c, and remembers that it did.
type ctrlCModel struct{ sawCtrlC bool }

func (m *ctrlCModel) Init() tea.Cmd { return nil }
func (m *ctrlCModel) View() string  { return "" }
func (m *ctrlCModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok && k.String() == "ctrl+c" {
		m.sawCtrlC = true
		return m, tea.Quit
	}
	return m, nil
}

// TestTheWizardTakesSIGTERMAsCtrlC sends this process SIGTERM while a program runs with the
// wizard's signal forwarding: the program sees ctrl+c (and the build screen, for one, then
// stops and asks) instead of the process ending at once.
func TestTheWizardTakesSIGTERMAsCtrlC(t *testing.T) {
	m := &ctrlCModel{}
	p := tea.NewProgram(m, tea.WithInput(nil), tea.WithOutput(io.Discard), tea.WithoutSignalHandler())
	stop := forwardSignals(p)
	defer stop()
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Run(); err != nil {
		t.Fatal(err)
	}
	if !m.sawCtrlC {
		t.Error("the program did not see ctrl+c after SIGTERM")
	}
}

// demoPlan is a valid plan for a journal: resume checks the journal's plan as apply does.
func demoPlan(t *testing.T) steps.Plan {
	t.Helper()
	p, err := steps.LoadPlan("../examples/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return *p
}
