package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vpclink/vpclink/steps"
)

func TestWelcomeWarnsOfJournalsItCannotReadAndListsTheRest(t *testing.T) {
	e := newEnv(t, "")
	p, err := steps.LoadPlan("../examples/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	good := &steps.Journal{RunID: "orders-111111", State: steps.StateFailed, Region: "us-east-1", Plan: *p, StartedAt: time.Now().Add(-time.Hour)}
	edited := &steps.Journal{RunID: "orders-999999", State: steps.StateFailed, Region: "us-east-1", Plan: *p, StartedAt: time.Now()}
	edited.Plan.Tags = map[string]string{"aws:owner": "me"}
	for _, j := range []*steps.Journal{good, edited} {
		if err := e.store.Save(j); err != nil {
			t.Fatal(err)
		}
	}
	runs := filepath.Join(e.store.Dir, "runs")
	os.WriteFile(filepath.Join(runs, "orders-badbad.json"), []byte(`{"runId": "orders-b`), 0o600)
	os.WriteFile(filepath.Join(runs, "orders-future.json"), []byte(`{"version": 9}`), 0o600)
	e.init(t)
	view := e.w.View()
	for _, want := range []string{"Resume orders-111111", "Resume orders-999999", "! orders-badbad not listed: damaged journal (see vpclink status orders-badbad)", "! orders-future not listed: written by a newer vpclink; upgrade to resume it"} {
		if !strings.Contains(view, want) {
			t.Errorf("the welcome screen does not say %q:\n%s", want, view)
		}
	}

	// The newest run comes first; its journal's plan fails the plan checks, so it is not resumed.
	// As on every screen, the problem shows once the user tries to go on.
	e.press(t, "down", "enter")
	if view := e.w.View(); !strings.Contains(view, "✘ run orders-999999 cannot be resumed") {
		t.Errorf("the welcome screen does not say why the run cannot be resumed:\n%s", view)
	}
	if e.w.stage != stageWelcome {
		t.Errorf("enter on a run with an invalid plan went to %s", e.w.stage)
	}
	e.press(t, "down", "enter", "y")
	if e.w.stage != stageBuild {
		t.Errorf("enter on a valid run went to %s, want the build", e.w.stage)
	}
}
