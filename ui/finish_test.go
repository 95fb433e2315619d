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

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/awsops/sandbox"
	"github.com/vpclink/vpclink/steps"
)

// The demo account's hand-made chain, as Welcome names it.
const legacyFinding = "nlb-" + sandbox.LegacyLoadBalancer

// toFindingReview are the keys from Welcome to Review through the hand-made chain: its row,
// then enter on the VPC, Subnets, Load balancer, VPC link, API and Stage screens.
var toFindingReview = []string{"down", "enter", "enter", "enter", "enter", "enter", "enter", "enter"}

// Choosing the hand-made chain on Welcome opens the screens on what exists: each adopted
// resource is shown and says so, Targets and Security groups are skipped, and Review shows
// what is adopted, created and changed apart.
func TestWelcomeOpensAFindingWithItsResourcesAdopted(t *testing.T) {
	e := newEnv(t, "")
	e.init(t)
	if view := e.w.View(); !strings.Contains(view, "Finish "+legacyFinding) {
		t.Fatalf("Welcome does not list the hand-made chain:\n%s", view)
	}
	e.press(t, "down")
	if view := strings.Join(strings.Fields(e.w.View()), " "); !strings.Contains(view, "NLB + VPC link + API legacy-orders; missing: stage variables") {
		t.Errorf("Welcome does not say what the chain has and lacks:\n%s", view)
	}
	e.press(t, "enter")
	for _, want := range []struct {
		stage stage
		says  string
	}{
		{stageVPC, "prod-vpc"}, {stageSubnets, "us-east-1a"}, {stageLoadBalancer, sandbox.LegacyLoadBalancer},
		{stageVPCLink, sandbox.LegacyVPCLink}, {stageAPI, sandbox.LegacyRestAPI},
	} {
		view := e.w.View()
		if e.w.stage != want.stage || !strings.Contains(view, want.says) || !strings.Contains(view, adoptedNote) ||
			!strings.Contains(view, "Targets and Security groups skipped: adopted load balancer") {
			t.Fatalf("on %s, want %s saying %q and %q:\n%s", e.w.stage, want.stage, want.says, adoptedNote, view)
		}
		e.press(t, "enter")
	}
	if e.w.stage != stageStage || e.w.c.Draft.plan.Stage.Name != sandbox.LegacyStage {
		t.Fatalf("after the API the wizard is on %s with stage %q; want the Stage screen on %q", e.w.stage, e.w.c.Draft.plan.Stage.Name, sandbox.LegacyStage)
	}
	e.press(t, "enter")
	view := e.w.View()
	for _, want := range []string{"vpclink · Review", groupAdopted, groupCreated, groupChanged, "finishes " + legacyFinding,
		"Load balancer  " + sandbox.LegacyLoadBalancer, "Deployment     of legacy-orders, for stage prod", "Stage          prod: new deployment"} {
		if !strings.Contains(view, want) {
			t.Errorf("Review does not say %q:\n%s", want, view)
		}
	}
	a, c, ch := strings.Index(view, groupAdopted), strings.Index(view, groupCreated), strings.Index(view, groupChanged)
	if !(a < c && c < ch) || strings.Contains(view[c:ch], "Load balancer") || strings.Contains(view[a:c], "Deployment") {
		t.Errorf("the groups are out of order or mixed:\n%s", view)
	}
	golden.RequireEqual(t, []byte(view))
}

// Esc from a finding's first screen back to Welcome, then New setup: the setup starts
// afresh, with the VPC picker and nothing adopted.
func TestANewSetupAfterAFindingStartsAfresh(t *testing.T) {
	e := newEnv(t, "")
	e.init(t)
	e.press(t, "down", "enter", "esc", "up", "enter")
	if e.w.stage != stageVPC || e.w.c.Draft.adopted != nil || e.w.c.Draft.lb != nil {
		t.Fatalf("on %s, adopted %v, load balancer %v; want a fresh VPC picker", e.w.stage, e.w.c.Draft.adopted != nil, e.w.c.Draft.lb)
	}
	if view := e.w.View(); !strings.Contains(view, "staging-vpc") || strings.Contains(view, adoptedNote) {
		t.Errorf("the VPC screen is not the picker:\n%s", view)
	}
}

// A scan that fails says why on Welcome, with a fix, and ctrl+r scans again; the runs and
// New setup stay usable meanwhile.
func TestWelcomeShowsAScanErrorAndScansAgain(t *testing.T) {
	e := newEnv(t, "DescribeVpcs") // the scan's first call
	e.init(t)
	view := e.w.View()
	for _, want := range []string{"✘ Could not look for half-made setups in us-east-1", "ec2:DescribeVpcs", "Try: allow ec2:DescribeVpcs", "ctrl+r", "New setup"} {
		if !strings.Contains(view, want) {
			t.Errorf("Welcome does not say %q:\n%s", want, view)
		}
	}
	e.press(t, "ctrl+r")
	if view := e.w.View(); !strings.Contains(view, "Finish "+legacyFinding) || strings.Contains(view, "✘") {
		t.Errorf("after ctrl+r the finding is not listed:\n%s", view)
	}
}

// Welcome offers the chains with something to finish that no live run of the store holds:
// a run that holds one is resumed instead, and a whole chain needs nothing.
func TestWelcomeOffersTheFindingsNoLiveRunHolds(t *testing.T) {
	half := []string{"a VPC link"}
	s := findingScan{list: []steps.Finding{
		{ID: "nlb-by-hand", Missing: half},
		{ID: "nlb-whole"},
		{ID: "nlb-of-a-live-run", Run: "orders-1a2b3c", Missing: half},
		{ID: "nlb-of-a-destroyed-run", Run: "orders-4d5e6f", Missing: half},
		{ID: "nlb-of-a-run-elsewhere", Run: "orders-7a8b9c", Missing: half},
	}}
	runs := []*steps.Journal{{RunID: "orders-1a2b3c", State: steps.StateFailed}, {RunID: "orders-4d5e6f", State: steps.StateDestroyed}}
	var got []string
	for _, f := range s.offered(runs) {
		got = append(got, f.ID)
	}
	if want := "nlb-by-hand nlb-of-a-destroyed-run nlb-of-a-run-elsewhere"; strings.Join(got, " ") != want {
		t.Errorf("offered %v; want %s", got, want)
	}
}

// The trainer's story in the wizard: the hand-made chain is chosen on Welcome, enter alone
// goes through to Review and builds it, and the check on Done passes. The run adopts the
// load balancer, VPC link and API, and records the finding it finished.
func TestWizardFinishesTheHandMadeChain(t *testing.T) {
	e := newEnv(t, "")
	f := startFlow(t, e)
	f.waitFor("Finish " + legacyFinding)
	f.keys("down", "enter")
	f.waitFor(adoptedNote)
	f.keys("enter", "enter", "enter", "enter", "enter")
	f.waitFor("Stage name")
	f.keys("enter")
	// Review shows the groups, and offers to create once the plan is checked and the
	// preflight passed.
	teatest.WaitFor(t, f.tm.Output(), func(b []byte) bool {
		return bytes.Contains(b, []byte(groupChanged)) && bytes.Contains(b, []byte("enter create"))
	}, teatest.WithDuration(flowWait), teatest.WithCheckInterval(10*time.Millisecond))
	f.keys("enter")
	f.waitFor("The API is connected to your private service")
	f.keys("c")
	f.waitFor("reached the service: 200")
	f.keys("q")
	final := f.tm.FinalModel(t, teatest.WithFinalTimeout(flowWait)).(*Wizard)
	j := final.Journal()
	if j == nil || j.State != steps.StateComplete || j.Finding != legacyFinding {
		t.Fatalf("journal = %+v", j)
	}
	r := j.Resources
	if !r.LoadBalancerReused || !r.VPCLinkReused || !r.RestAPIReused || !r.StageExisted {
		t.Errorf("the run did not adopt the chain: %+v", r)
	}
	ctx := context.Background()
	acct := e.sb.Account()
	st, err := acct.GetStage(ctx, r.RestAPIID, sandbox.LegacyStage)
	if err != nil || st.Variables[awsops.StageVarLink] != r.VPCLinkID || st.Variables[awsops.StageVarNLB] != r.LoadBalancerDNS {
		t.Errorf("stage %s: %+v, %v", sandbox.LegacyStage, st, err)
	}
	tags, err := acct.Tags(ctx, r.LoadBalancerARN)
	if err != nil || len(tags) != 0 {
		t.Errorf("the adopted load balancer's tags are %v, %v; want it left untagged as it was", tags, err)
	}
	if got := e.sb.Inventory(); got.LoadBalancers != 0 || got.VPCLinks != 0 || got.RestAPIs != 0 {
		t.Errorf("inventory = %+v; the finish created a load balancer, VPC link or API", got)
	}
}

// The scan runs beside Welcome's other loads: the first frame does not wait for it, a slow
// scan shows a spinner after the delay, and a stale answer is dropped.
func TestWelcomeScansWithoutHoldingTheFirstFrame(t *testing.T) {
	e := newEnv(t, "")
	e.w.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	e.w.Init() // its commands, the scan among them, have not run
	wel := e.w.screens[stageWelcome].(*welcome)
	if view := e.w.View(); !strings.Contains(view, "vpclink · Welcome") || strings.Contains(view, "Looking for half-made setups") {
		t.Errorf("the first frame:\n%s", view)
	}
	e.w.Update(scanSpinnerMsg{req: wel.scan.req})
	if view := e.w.View(); !strings.Contains(view, "Looking for half-made setups in us-east-1…") {
		t.Errorf("a slow scan shows no spinner:\n%s", view)
	}
	e.w.Update(findingsMsg{req: wel.scan.req - 1, err: errors.New("an earlier scan's answer")})
	if view := e.w.View(); strings.Contains(view, "earlier scan") || !wel.scan.loading {
		t.Errorf("a stale answer was shown:\n%s", view)
	}
}

// A chain with what finish does not repair is listed, and choosing it says why it cannot be
// finished instead of opening it.
func TestWelcomeSaysWhyAChainCannotBeFinished(t *testing.T) {
	e := newEnv(t, "")
	e.init(t)
	wel := e.w.screens[stageWelcome].(*welcome)
	broken := steps.Finding{ID: "nlb-orders", Exists: steps.FindingExists{LoadBalancer: &steps.FoundNLB{Name: "orders"}},
		Missing: []string{"registered targets"}, Broken: []string{"target group orders-tg has no registered targets"}}
	e.w.Update(findingsMsg{req: wel.scan.req, list: []steps.Finding{broken}})
	e.press(t, "down", "enter")
	view := strings.Join(strings.Fields(e.w.View()), " ")
	if e.w.stage != stageWelcome || !strings.Contains(view, "broken") || !strings.Contains(view, "cannot finish it here: nlb-orders has what finish does not repair") {
		t.Errorf("on %s:\n%s", e.w.stage, e.w.View())
	}
}

// A hand-made chain whose target group has no targets: its finish shows the Targets
// screen, editable, and the Security groups screen; Review lists the registration and the
// rules under what it creates.
func TestAFindingWithoutTargetsAsksForThem(t *testing.T) {
	e := newEnv(t, "")
	ctx := context.Background()
	acct := e.sb.Account()
	tg, err := acct.GetTargetGroup(ctx, sandbox.LegacyTargetGroup)
	if err != nil {
		t.Fatal(err)
	}
	hs, err := acct.TargetHealth(ctx, tg.ARN)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, h := range hs {
		ids = append(ids, h.ID)
	}
	if err := acct.DeregisterTargets(ctx, tg.ARN, ids, 80); err != nil {
		t.Fatal(err)
	}
	e.init(t)
	e.press(t, "down", "enter", "enter", "enter", "enter")
	if view := e.w.View(); e.w.stage != stageTargets || strings.Contains(view, adoptedNote) || strings.Contains(view, "skipped") {
		t.Fatalf("after the adopted load balancer, want the Targets picker; on %s:\n%s", e.w.stage, view)
	}
	e.press(t, "enter")
	if e.w.stage != stageTargets {
		t.Fatalf("Targets lets the finish go on with no instance chosen; on %s", e.w.stage)
	}
	e.press(t, " ", "enter")
	if e.w.stage != stageSecurityGroups || len(e.w.c.Draft.plan.Targets.Instances) != 1 {
		t.Fatalf("after choosing an instance, want Security groups; on %s with %v", e.w.stage, e.w.c.Draft.plan.Targets.Instances)
	}
	e.press(t, "enter", "enter", "enter", "enter")
	view := e.w.View()
	c := strings.Index(view, groupCreated)
	if e.w.stage != stageReview || c < 0 || !strings.Contains(view[c:], "Targets        register ") ||
		!strings.Contains(view[c:], "with "+sandbox.LegacyTargetGroup) || !strings.Contains(view[c:], "Rules          admit the NLB by nlb-ips") {
		t.Errorf("Review lists the registration and the rules under %s; on %s:\n%s", groupCreated, e.w.stage, view)
	}
}

// A hand-made chain whose security groups were never opened: its finish shows the
// Security groups screen with the rules to add (Targets stays adopted), and Review lists
// the rules under what it creates.
func TestAFindingWithClosedGroupsShowsTheRules(t *testing.T) {
	e := newEnv(t, "")
	ctx := context.Background()
	acct := e.sb.Account()
	lb, err := acct.GetLoadBalancer(ctx, sandbox.LegacyLoadBalancer)
	if err != nil {
		t.Fatal(err)
	}
	sgs, err := acct.ListSecurityGroups(ctx, lb.VPCID)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range sgs {
		for _, r := range g.Ingress {
			if r.Description == "legacy orders NLB" {
				if err := acct.RevokeIngress(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	e.init(t)
	e.press(t, "down", "enter", "enter", "enter", "enter")
	view := e.w.View()
	if e.w.stage != stageSecurityGroups || !strings.Contains(view, "Targets skipped: adopted load balancer") || !strings.Contains(view, "orders-api-sg") {
		t.Fatalf("after the adopted load balancer, want Security groups with the rules for orders-api-sg; on %s:\n%s", e.w.stage, view)
	}
	e.press(t, "enter", "enter", "enter", "enter")
	view = e.w.View()
	if c := strings.Index(view, groupCreated); e.w.stage != stageReview || c < 0 || !strings.Contains(view[c:], "Rules          admit the NLB by nlb-ips") || strings.Contains(view[c:], "Targets        register") {
		t.Errorf("Review lists the rules, and no registration, under %s; on %s:\n%s", groupCreated, e.w.stage, view)
	}
}
