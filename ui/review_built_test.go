package ui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/vpclink/vpclink/steps"
)

// Review asks before building a plan that a complete run already built: advancing is
// blocked with the run's id and invoke URL until ctrl+n asks for a second copy.
func TestReviewAsksBeforeBuildingABuiltPlanAgain(t *testing.T) {
	e := newEnv(t, "")
	e.init(t)
	toReview := []string{"enter", "prod", "enter", "enter", "enter", "orders-api-", "space", "down", "space", "enter", "enter", "enter", "enter", "enter"}
	e.press(t, toReview...)
	if e.w.stage != stageReview {
		t.Fatalf("stage = %s, want review", e.w.stage)
	}
	built := &steps.Journal{RunID: "orders-api-0a1b2c", State: steps.StateComplete, Region: e.w.c.Account.Region, Plan: e.w.c.Draft.plan}
	built.Resources.RestAPIID, built.Resources.DeploymentID, built.Resources.Stage = "a1b2c3d4e5", "dep123", e.w.c.Draft.plan.Stage.Name
	if err := e.store.Save(built); err != nil {
		t.Fatal(err)
	}
	e.press(t, "esc", "enter") // leave Review and come back: it checks again
	rev := e.w.screens[stageReview].(*review)
	want := "run orders-api-0a1b2c built this plan already: ctrl+n builds a second copy (or change the name); its URL: " + built.InvokeURL()
	if p := strings.Join(rev.Problems(), "\n"); !strings.Contains(p, want) {
		t.Fatalf("review's problems = %q, want %q", p, want)
	}
	e.press(t, "enter")
	if e.w.stage != stageReview {
		t.Fatalf("enter started a build of a plan that is built already (stage %s)", e.w.stage)
	}
	_, cmd := e.w.Update(tea.KeyMsg{Type: tea.KeyCtrlN})
	e.run(t, cmd)
	if p := rev.Problems(); len(p) != 0 {
		t.Fatalf("problems after ctrl+n = %q", p)
	}
	e.press(t, "enter")
	if j := e.w.Journal(); e.w.stage < stageBuild || j == nil || j.RunID == built.RunID {
		t.Errorf("after ctrl+n, enter leaves the stage at %s with run %v; want a second copy built", e.w.stage, j)
	}
}
