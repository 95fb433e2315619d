package ui

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vpclink/vpclink/steps"
)

// Ctrl-C before the build asks first, keeps the answers as a plan when asked, and ends with
// exit 130: the setup was given up, not finished.
func TestCtrlCBeforeTheBuildAsksAndOffersToSaveThePlan(t *testing.T) {
	e := newEnv(t, "")
	e.init(t)
	e.press(t, "enter", "ctrl+c")
	if e.w.stage != stageVPC || !strings.Contains(e.w.View(), "Quit without building?") {
		t.Fatalf("ctrl+c on %s did not ask:\n%s", e.w.stage, e.w.View())
	}
	e.press(t, "n")
	if strings.Contains(e.w.View(), "Quit without building?") {
		t.Fatalf("n does not take the question back:\n%s", e.w.View())
	}
	e.press(t, "enter", "ctrl+c", "s")
	want := filepath.Join(e.store.Dir, "plans", "setup-draft.yaml")
	if e.w.savedOnQuit != want {
		t.Fatalf("s saved the answers to %q, want %q", e.w.savedOnQuit, want)
	}
	// Only the VPC is answered so far: the plan names it, and loading it says what is missing.
	_, err := steps.LoadPlan(want)
	b, _ := os.ReadFile(want)
	if !strings.Contains(string(b), "vpc: "+e.w.c.Draft.plan.VPC) || err == nil || !strings.Contains(err.Error(), "targets.instances") {
		t.Fatalf("the saved plan %s:\n%s\nloads with %v; want the chosen VPC, and the targets named as missing", want, b, err)
	}
	if info, err := os.Stat(want); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("the saved plan's mode is %v (%v), want 0600", info.Mode().Perm(), err)
	}
	var out, errOut bytes.Buffer
	if code := e.w.finish(&out, &errOut, e.w); code != ExitInterrupted {
		t.Errorf("quitting before the build exits %d, want %d", code, ExitInterrupted)
	}
	if !strings.Contains(errOut.String(), "vpclink apply --dry-run -f "+want) {
		t.Errorf("after quitting the wizard does not say how to build the saved plan:\n%s", errOut.String())
	}
}

// Review says "Saved" of a plan file only while the file holds the plan as it is: an answer
// changed after ctrl+s takes the line away, and a run started then does not name the file.
func TestReviewsSavedLineClearsWhenAnAnswerChanges(t *testing.T) {
	e := newEnv(t, "")
	e.init(t)
	e.press(t, "enter", "prod", "enter", "enter", "enter", "orders-api-", "space", "down", "space", "enter", "enter", "enter", "enter", "enter")
	if e.w.stage != stageReview {
		t.Fatalf("stage = %s, want review", e.w.stage)
	}
	path := filepath.Join(t.TempDir(), "orders.yaml")
	e.press(t, "ctrl+s", "ctrl+u", path, "enter")
	if view := e.w.View(); !strings.Contains(view, "✔ Saved "+path) {
		t.Fatalf("after ctrl+s Review does not say the plan is saved:\n%s", view)
	}
	e.press(t, "x") // the focused Name field takes it: the plan is no longer the saved one
	if view := e.w.View(); strings.Contains(view, "✔ Saved") {
		t.Errorf("after a change Review still says the plan is saved:\n%s", view)
	}
	if f := e.w.screens[stageReview].(*review).savedFile(); f != "" {
		t.Errorf("a run started now would name %s as its plan file", f)
	}
}
