package ui

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/vpclink/vpclink/awsops/sandbox"
	"github.com/vpclink/vpclink/steps"
)

// flow drives a wizard in a real bubbletea program at 80×24.
type flow struct {
	t  *testing.T
	tm *teatest.TestModel
}

func startFlow(t *testing.T, e *env) *flow {
	t.Helper()
	tm := teatest.NewTestModel(t, e.w, teatest.WithInitialTermSize(80, 24))
	return &flow{t: t, tm: tm}
}

// flowWait bounds each wait of a flow. A wait ends as soon as its text is on the screen, in
// well under a second on an idle machine; the bound only turns a hang into a failure, and is
// generous so that the flows hold under -race on a loaded machine.
const flowWait = 2 * time.Minute

// waitFor waits until the screen says text.
func (f *flow) waitFor(text string) {
	f.t.Helper()
	teatest.WaitFor(f.t, f.tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(text)) },
		teatest.WithDuration(flowWait), teatest.WithCheckInterval(10*time.Millisecond))
}

func (f *flow) keys(keys ...string) {
	for _, k := range keys {
		for _, m := range keyMsgs(k) {
			f.tm.Send(m)
		}
	}
}

// walkToReview answers every setup screen the way the demo plan does.
func (f *flow) walkToReview() {
	f.waitFor("New setup")
	f.keys("enter")
	f.waitFor("staging-vpc")
	f.keys("prod")
	f.waitFor("1 of 3 VPCs")
	f.keys("enter")
	f.waitFor("3 selected")
	f.keys("enter")
	f.waitFor("Listener port")
	f.keys("enter")
	f.waitFor("orders-api-2")
	f.keys("orders-api-", "space", "down", "space")
	f.waitFor("2 selected")
	f.keys("enter")
	f.acceptTheRestToReview()
}

// acceptTheRestToReview takes the defaults from the ingress rules to Review: the rules to
// add, a new VPC link, the endpoint type and the stage name.
func (f *flow) acceptTheRestToReview() {
	f.waitFor("Ingress rules to add")
	f.keys("enter")
	f.waitFor("New VPC link")
	f.keys("enter")
	f.waitFor("Endpoint type")
	f.keys("enter")
	f.waitFor("Stage name")
	f.keys("enter")
	f.waitFor("Preflight:")
}

func TestWizardBuildsTheChainFromWelcomeToDone(t *testing.T) {
	e := newEnv(t, "")
	f := startFlow(t, e)
	f.walkToReview()
	f.keys("enter")
	f.waitFor("The API is connected to your private service")
	f.keys("q")
	final := f.tm.FinalModel(t, teatest.WithFinalTimeout(flowWait)).(*Wizard)
	golden.RequireEqual(t, []byte(maskRun(final.View(), final.Journal())))

	j := final.Journal()
	if j == nil || j.State != steps.StateComplete {
		t.Fatalf("journal = %+v", j)
	}
	ctx := context.Background()
	acct := e.sb.Account()
	if l, err := acct.GetVPCLink(ctx, j.Resources.VPCLinkID); err != nil || l.Status != "AVAILABLE" {
		t.Errorf("vpc link %s: %+v, %v", j.Resources.VPCLinkID, l, err)
	}
	st, err := acct.GetStage(ctx, j.Resources.RestAPIID, "dev")
	if err != nil || st.Variables["VPCNLB"] != j.Resources.LoadBalancerDNS {
		t.Errorf("stage: %+v, %v", st, err)
	}
	want := sandbox.Inventory{LoadBalancers: 1, TargetGroups: 1, Listeners: 1, Targets: 2, VPCLinks: 1, RestAPIs: 1}
	got := e.sb.Inventory()
	got.IngressRules = 0
	if got != want {
		t.Errorf("inventory = %+v, want %+v", got, want)
	}
	if len(j.Plan.Targets.Instances) != 2 || j.PlanFile == "" {
		t.Errorf("plan = %+v, plan file %q", j.Plan.Targets, j.PlanFile)
	}
	var out, errOut bytes.Buffer
	if code := final.finish(&out, &errOut, final); code != ExitOK || !bytes.Contains(out.Bytes(), []byte(j.InvokeURL())) {
		t.Errorf("after the wizard: exit %d, stdout %q", code, out.String())
	}
}

func TestWizardRollsBackAFailureFromTheBuildScreen(t *testing.T) {
	e := newEnv(t, "CreateVpcLink")
	before := e.sb.Snapshot()
	f := startFlow(t, e)
	f.walkToReview()
	f.keys("enter")
	f.waitFor("apigateway:POST") // the failure names the IAM action that was denied
	f.keys("r")
	f.waitFor("Rolled back: nothing of this run remains")
	f.keys("q")
	final := f.tm.FinalModel(t, teatest.WithFinalTimeout(flowWait)).(*Wizard)
	if j := final.Journal(); j == nil || j.State != steps.StateRolledBack {
		t.Fatalf("journal = %+v", j)
	}
	if after := e.sb.Snapshot(); after != before {
		t.Errorf("the account differs after the rollback")
	}
}

func TestWizardKeepsOnCtrlCAndResumesFromWelcome(t *testing.T) {
	e := newEnv(t, "CreateDeployment")
	// A first session fails at the deployment; the user keeps what exists.
	f := startFlow(t, e)
	f.walkToReview()
	f.keys("enter")
	f.waitFor("A step failed")
	f.keys("k")
	kept := f.tm.FinalModel(t, teatest.WithFinalTimeout(flowWait)).(*Wizard).Journal()
	if kept == nil || kept.State != steps.StateFailed {
		t.Fatalf("kept journal = %+v", kept)
	}
	var out, errOut bytes.Buffer
	if code := e.w.finish(&out, &errOut, e.w); code != ExitFailed || !bytes.Contains(errOut.Bytes(), []byte("vpclink resume --demo "+kept.RunID)) {
		t.Errorf("after keeping: exit %d, stderr %q", code, errOut.String())
	}

	// A second session opens on the same account and store, and resumes the run.
	r := newEnv(t, "")
	r.sb, r.store = e.sb, e.store
	r.w = NewWizard(context.Background(), WizardOptions{Account: e.sb.Account(), Store: e.store, Demo: true, Flags: "--demo"}, nil)
	f2 := startFlow(t, r)
	f2.waitFor("Resume " + kept.RunID)
	f2.keys("down", "enter")
	// Resume shows what the run holds, checked against the account, and what it builds; then asks.
	teatest.WaitFor(t, f2.tm.Output(), func(b []byte) bool {
		return bytes.Contains(b, []byte("Resume this run? (y/N)")) && bytes.Contains(b, []byte("VPC link "+kept.Resources.VPCLinkID+": AVAILABLE"))
	}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	f2.keys("y")
	f2.waitFor("The API is connected to your private service")
	f2.keys("q")
	final := f2.tm.FinalModel(t, teatest.WithFinalTimeout(flowWait)).(*Wizard)
	j := final.Journal()
	if j == nil || j.RunID != kept.RunID || j.State != steps.StateComplete {
		t.Fatalf("resumed journal = %+v", j)
	}
	want := sandbox.Inventory{LoadBalancers: 1, TargetGroups: 1, Listeners: 1, Targets: 2, VPCLinks: 1, RestAPIs: 1}
	got := e.sb.Inventory()
	got.IngressRules = 0
	if got != want {
		t.Errorf("inventory after resume = %+v, want %+v (no duplicates)", got, want)
	}
}

func TestCtrlCStopsTheBuildAndAsks(t *testing.T) {
	e := newEnv(t, "")
	e.init(t)
	j := &steps.Journal{RunID: "orders-abc123", State: steps.StateRunning, Steps: []steps.StepRecord{{ID: "create-target-group", Title: "Target group"}}}
	b := newBuild(e.w.c, j, false)
	e.w.screens[stageBuild], e.w.stage = b, stageBuild
	b.phase = phaseRunning
	b.cancel = func() {}
	e.w.Update(tea.KeyMsg{Type: tea.KeyCtrlC})
	if b.phase != phaseStopping || !b.interrupted {
		t.Fatalf("after ctrl+c the build is in phase %d", b.phase)
	}
	e.w.Update(askMsg{runID: j.RunID, q: steps.Question{RunID: j.RunID, Interrupted: true, Err: context.Canceled}})
	view := e.w.View()
	if !bytes.Contains([]byte(view), []byte("Roll back the 0 resource(s) created so far (r)")) {
		t.Errorf("the build does not ask what to do:\n%s", view)
	}
}

// maskRun replaces the run's random ids in a view, so that it can be a golden file.
func maskRun(view string, j *steps.Journal) string {
	if j == nil {
		return view
	}
	r := j.Resources
	// Longest first: the DNS name and the plan file contain the run id. A temporary plan
	// file's path may be wider than the screen, which wraps it.
	wrapped := ""
	if j.PlanFile != "" {
		wrapped = wrapText("  "+j.PlanFile, 80, "  ")
	}
	for _, m := range [][2]string{
		{wrapped, "  <plan-file>"}, {r.LoadBalancerDNS, "<nlb-dns>"}, {j.PlanFile, "<plan-file>"}, {j.RunID, "<run>"}, {r.RestAPIID, "<api>"}, {r.VPCLinkID, "<link>"},
	} {
		if m[0] != "" {
			view = string(bytes.ReplaceAll([]byte(view), []byte(m[0]), []byte(m[1])))
		}
	}
	return view
}

func TestCtrlCDuringARollbackStopsItBeforeQuitting(t *testing.T) {
	e := newEnv(t, "")
	e.init(t)
	j := &steps.Journal{RunID: "orders-abc123", State: steps.StateFailed, Steps: []steps.StepRecord{{ID: "create-target-group", Title: "Target group"}}}
	b := newBuild(e.w.c, j, false)
	e.w.screens[stageBuild], e.w.stage = b, stageBuild
	stopped := false
	b.phase, b.stopRollback = phaseRollingBack, func() { stopped = true }
	if _, cmd := e.w.Update(tea.KeyMsg{Type: tea.KeyCtrlC}); cmd != nil || !stopped || !b.quitting {
		t.Fatalf("ctrl+c during a rollback: cmd %v, stopped %v; want the rollback stopped and no quit yet", cmd != nil, stopped)
	}
	_, cmd := e.w.Update(sessionDoneMsg{runID: j.RunID, res: steps.Result{Outcome: steps.Kept, Interrupted: true, Err: context.Canceled}})
	if cmd == nil || b.phase != phaseKept {
		t.Fatalf("after the rollback returned: phase %d; want kept and quitting", b.phase)
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Errorf("the wizard did not quit")
	}
}

func TestEnterTwiceOnReviewStartsOneRun(t *testing.T) {
	e := newEnv(t, "")
	e.init(t)
	e.press(t, "enter", "prod", "enter", "enter", "enter", "orders-api-", "space", "down", "space", "enter", "enter", "enter", "enter", "enter")
	if e.w.stage != stageReview || len(e.w.active().Problems()) > 0 {
		t.Fatalf("the keys lead to %s, not the review:\n%s", e.w.stage, e.w.View())
	}
	// The second enter comes before the first one's run exists.
	_, first := e.w.Update(tea.KeyMsg{Type: tea.KeyEnter})
	_, second := e.w.Update(tea.KeyMsg{Type: tea.KeyEnter})
	e.run(t, tea.Batch(first, second))
	runs, err := e.store.List()
	if err != nil || len(runs) != 1 {
		t.Fatalf("two enters on the review started %d run(s), %v; want one", len(runs), err)
	}
	if e.w.stage != stageDone || e.w.Journal().RunID != runs[0].RunID {
		t.Errorf("the wizard is on %s with %v", e.w.stage, e.w.Journal())
	}
	if got := e.sb.Inventory(); got.LoadBalancers != 1 || got.VPCLinks != 1 || got.RestAPIs != 1 {
		t.Errorf("inventory = %+v; want one load balancer, VPC link and REST API", got)
	}
}

func TestTheBuildScreenIgnoresAnotherRunsEvents(t *testing.T) {
	e := newEnv(t, "")
	e.init(t)
	j := &steps.Journal{RunID: "orders-abc123", State: steps.StateRunning, Steps: []steps.StepRecord{{ID: "create-target-group", Title: "Target group"}}}
	b := newBuild(e.w.c, j, false)
	e.w.screens[stageBuild], e.w.stage = b, stageBuild
	b.phase, b.cancel = phaseRunning, func() {}
	e.w.Update(stepEventMsg{steps.Event{RunID: "orders-old999", Step: "create-target-group", Title: "Target group", Kind: steps.StepFailed, Text: "of the old run"}})
	e.w.Update(askMsg{runID: "orders-old999", q: steps.Question{RunID: "orders-old999", Err: errors.New("the old run failed")}})
	e.w.Update(sessionDoneMsg{runID: "orders-old999", res: steps.Result{Outcome: steps.Kept, Err: errors.New("the old run failed")}})
	if v := b.progress.Step("create-target-group"); v.Status != steps.Pending || b.phase != phaseRunning || strings.Contains(e.w.View(), "old run") {
		t.Errorf("another run's events changed the build: step %s, phase %d\n%s", v.Status, b.phase, e.w.View())
	}
	e.w.Update(stepEventMsg{steps.Event{RunID: j.RunID, Step: "create-target-group", Title: "Target group", Kind: steps.StepStarted}})
	if v := b.progress.Step("create-target-group"); v.Status != steps.Running {
		t.Errorf("the run's own event left the step %s; want running", v.Status)
	}
}
