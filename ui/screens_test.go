package ui

import (
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/table"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/vpclink/vpclink/awsops/sandbox"
	"github.com/vpclink/vpclink/steps"
)

// then returns a new key sequence: keys, then more.
func then(keys []string, more ...string) []string {
	return append(append([]string{}, keys...), more...)
}

// Each case walks the wizard to a screen with keys, then compares the whole 80×24 view with
// testdata/TestScreens/<case>.golden (refresh with go test ./ui -update).
func TestScreens(t *testing.T) {
	toVPC := []string{"enter"}
	toSubnets := then(toVPC, "prod", "enter")
	toLB := then(toSubnets, "enter")
	toTargets := then(toLB, "enter")
	// The running two: AWS does not register a stopped instance, so Review would refuse it.
	toSG := then(toTargets, "orders-api-", "space", "down", "space", "enter")
	toLink := then(toSG, "enter")
	toAPI := then(toLink, "enter")
	toStage := then(toAPI, "enter")
	toReview := then(toStage, "enter")
	tests := map[string]struct {
		keys []string
		// contains is what the view must say, besides matching its golden file.
		contains []string
	}{
		"welcome":                     {contains: []string{"arn:aws:iam::123456789012:user/demo", "New setup", "Finish nlb-legacy-orders-nlb"}},
		"welcome with help":           {keys: []string{"?"}, contains: []string{"VPC link"}},
		"review with help":            {keys: then(toReview, "f1"), contains: []string{"vpclink · Review", "Nothing has been created yet"}},
		"targets with help":           {keys: then(toTargets, "?"), contains: []string{"vpclink · Targets", "registered with the NLB"}},
		"vpc":                         {keys: toVPC, contains: []string{"prod-vpc", "staging-vpc", "10.0.0.0/16"}},
		"vpc filtered":                {keys: then(toVPC, "stag"), contains: []string{"1 of 3 VPCs"}},
		"subnets preselects private":  {keys: toSubnets, contains: []string{"3 selected"}},
		"subnets with a public one":   {keys: then(toSubnets, "down", "space", "enter"), contains: []string{"! prod-public-a is public", "share us-east-1a"}},
		"load balancer":               {keys: toLB, contains: []string{"Listener port", "Health check path"}},
		"load balancer bad path":      {keys: then(toLB, "down", "down", "down", "backspace", "x", "enter"), contains: []string{"must start with /"}},
		"targets none chosen":         {keys: then(toTargets, "enter"), contains: []string{"select at least one instance"}},
		"targets with a stopped one":  {keys: then(toTargets, "orders-api-", "ctrl+a"), contains: []string{"orders-api-3 is stopped"}},
		"security groups by NLB IPs":  {keys: toSG, contains: []string{"tcp/80 from NLB IP in 10.0.10.0/24"}},
		"security groups by VPC CIDR": {keys: then(toSG, "right"), contains: []string{"tcp/80 from 10.0.0.0/16"}},
		"vpc link":                    {keys: toLink, contains: []string{"New VPC link"}},
		"api":                         {keys: toAPI, contains: []string{"[x] GET", "Authorization"}},
		"api with ANY and others":     {keys: then(toAPI, "down", "down", "down", "right", "right", "right", "right", "right", "space", "enter"), contains: []string{"ANY already covers"}},
		"stage":                       {keys: toStage, contains: []string{"VPCLink = the new VPC link's id"}},
		"review":                      {keys: toReview, contains: []string{`Plan "orders-api"`, "Preflight: ✔ passed", "enter create"}},
		"review refuses a stopped target": {keys: then(toTargets, "orders-api-", "ctrl+a", "enter", "enter", "enter", "enter", "enter", "enter"),
			contains: []string{"Preflight:", "✘ instances can become healthy: instance orders-api-3", "Try: start it", "vpclink · Review"}},
		"review scrolled to the CLI":   {keys: then(toReview, "pgdown"), contains: []string{"aws elbv2 create-target-group"}},
		"review with a bad name":       {keys: then(toReview, "ctrl+u", "Orders!", "enter"), contains: []string{"name:"}},
		"back from targets to subnets": {keys: then(toTargets, "esc", "esc"), contains: []string{"vpclink · Subnets"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, "")
			e.init(t)
			e.press(t, tc.keys...)
			view := e.w.View()
			for _, want := range tc.contains {
				if !strings.Contains(view, want) {
					t.Errorf("the view does not say %q:\n%s", want, view)
				}
			}
			for i, line := range strings.Split(view, "\n") {
				if w := len([]rune(line)); w > 80 {
					t.Errorf("line %d is %d wide, more than 80: %q", i+1, w, line)
				}
			}
			if n := strings.Count(view, "\n") + 1; n > 24 {
				t.Errorf("the view has %d lines, more than 24", n)
			}
			golden.RequireEqual(t, []byte(view))
		})
	}
}

func TestResizeFollowsTheTerminal(t *testing.T) {
	e := newEnv(t, "")
	e.init(t)
	e.press(t, "enter", "prod", "enter")
	e.w.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	wide := e.w.View()
	if !strings.Contains(wide, "prod-private-a") {
		t.Errorf("at 120 columns the subnet names should be whole:\n%s", wide)
	}
	e.w.Update(tea.WindowSizeMsg{Width: 60, Height: 20})
	for i, line := range strings.Split(e.w.View(), "\n") {
		if w := len([]rune(line)); w > 60 {
			t.Errorf("after shrinking, line %d is %d wide: %q", i+1, w, line)
		}
	}
}

func TestStaleLoadsAreDropped(t *testing.T) {
	e := newEnv(t, "")
	e.init(t)
	e.press(t, "enter")
	v := e.w.active().(*vpcPicker)
	before := len(v.list.rows)
	// An answer to an old request (say, from before the user went back and forth) changes nothing.
	e.w.Update(vpcsMsg{req: v.list.req - 100})
	if len(v.list.rows) != before {
		t.Errorf("a stale answer replaced the rows")
	}
}

func TestAPickerShowsAnAWSErrorAndRetries(t *testing.T) {
	e := newEnv(t, "DescribeVpcs:2") // the first call is Welcome's scan for half-made setups
	e.init(t)
	e.press(t, "enter")
	if view := e.w.View(); strings.Contains(view, "✘ choose a VPC") {
		t.Errorf("the screen blames the user on arrival, before they tried to go on:\n%s", view)
	}
	e.press(t, "enter") // the user tries to go on: now the footer says why they cannot
	view := e.w.View()
	for _, want := range []string{"✘ Could not list VPCs", "ec2:DescribeVpcs", "Press ctrl+r to retry", "✘ choose a VPC"} {
		if !strings.Contains(view, want) {
			t.Errorf("the view does not say %q:\n%s", want, view)
		}
	}
	golden.RequireEqual(t, []byte(view))
	e.press(t, "ctrl+r")
	if view := e.w.View(); !strings.Contains(view, "prod-vpc") {
		t.Errorf("after ctrl+r the VPCs are not listed:\n%s", view)
	}
}

// BenchmarkPickerFilter measures one keystroke of filtering over 10,000 instances, the
// size of a large account's VPC: it must stay well under a frame (16 ms).
func BenchmarkPickerFilter(b *testing.B) {
	c := &Common{Styles: NewStyles(lipgloss.NewRenderer(io.Discard)), Width: 80, Height: 24}
	p := newPicker(c, "instances", true, table.Column{Title: "Name", Width: 17}, table.Column{Title: "Instance id", Width: 19},
		table.Column{Title: "State", Width: 7}, table.Column{Title: "Private IP", Width: 11}, table.Column{Title: "AZ", Width: 10})
	p.setSize(80, 18)
	rows := make([]pickerRow, 10000)
	for i := range rows {
		rows[i] = pickerRow{ID: fmt.Sprintf("i-0%016x", i), Cells: []string{fmt.Sprintf("web-%05d", i), fmt.Sprintf("i-0%016x", i), "running", fmt.Sprintf("10.0.%d.%d", i/250, i%250), "us-east-1a"}}
	}
	p.req = 1
	p.setRows(1, rows, nil)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.filter.SetValue([]string{"web-0", "web-01", "web-012", ""}[i%4])
		p.refilter()
		_ = p.view()
	}
}

func TestWelcomeListsUnfinishedRunsAndPointsToOtherRegions(t *testing.T) {
	e := newEnv(t, "")
	for _, j := range []*steps.Journal{
		{RunID: "orders-111111", State: steps.StateFailed, Region: "us-east-1"},
		{RunID: "orders-222222", State: steps.StateComplete, Region: "us-east-1"},
		{RunID: "billing-333333", State: steps.StateInterrupted, Region: "eu-west-1"},
	} {
		if err := e.store.Save(j); err != nil {
			t.Fatal(err)
		}
	}
	e.init(t)
	view := e.w.View()
	for _, want := range []string{"Resume orders-111111", "1 in eu-west-1 (ctrl+g switches region)"} {
		if !strings.Contains(view, want) {
			t.Errorf("the welcome screen does not say %q:\n%s", want, view)
		}
	}
	if strings.Contains(view, "orders-222222") {
		t.Errorf("a complete run is offered for resuming:\n%s", view)
	}
}

func TestWelcomeListsOnlyThisAccountsRuns(t *testing.T) {
	e := newEnv(t, "")
	for _, j := range []*steps.Journal{
		{RunID: "orders-111111", State: steps.StateFailed, Region: "us-east-1", Account: sandbox.AccountID},
		{RunID: "orders-222222", State: steps.StateFailed, Region: "us-east-1", Account: "210987654321"},
		{RunID: "billing-333333", State: steps.StateInterrupted, Region: "eu-west-1", Account: "210987654321"},
		{RunID: "legacy-444444", State: steps.StateFailed, Region: "us-east-1"},
	} {
		if err := e.store.Save(j); err != nil {
			t.Fatal(err)
		}
	}
	e.init(t)
	view := e.w.View()
	for _, want := range []string{"Resume orders-111111", "Resume legacy-444444", "2 unfinished run(s) of other accounts are hidden"} {
		if !strings.Contains(view, want) {
			t.Errorf("the welcome screen does not say %q:\n%s", want, view)
		}
	}
	for _, hidden := range []string{"orders-222222", "billing-333333", "in other regions"} {
		if strings.Contains(view, hidden) {
			t.Errorf("the welcome screen shows %q, of another account:\n%s", hidden, view)
		}
	}
}

func TestWelcomeRefusesARunAnotherProcessHolds(t *testing.T) {
	e := newEnv(t, "")
	p, err := steps.LoadPlan("../examples/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	j := &steps.Journal{RunID: "orders-111111", State: steps.StateFailed, Region: "us-east-1", Account: sandbox.AccountID, Plan: *p}
	if err := e.store.Save(j); err != nil {
		t.Fatal(err)
	}
	other, err := e.store.Lock(j.RunID)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Unlock()
	e.init(t)
	e.press(t, "down", "enter")
	view := e.w.View()
	if e.w.stage != stageWelcome || !strings.Contains(view, fmt.Sprintf("run orders-111111 is in use by another vpclink process (pid %d)", os.Getpid())) {
		t.Errorf("resuming a run another process holds: stage %s\n%s", e.w.stage, view)
	}
	other.Unlock()
	// Once the other process let go, the wizard takes the run while it shows what the run
	// holds and asks; no, and the run is free again.
	e.press(t, "enter")
	if view := e.w.View(); !strings.Contains(view, "Resume this run? (y/N)") || strings.Contains(view, "in use") {
		t.Fatalf("once the other process let go, enter does not ask:\n%s", e.w.View())
	}
	if l, err := e.store.Lock(j.RunID); !steps.IsInUse(err) {
		l.Unlock()
		t.Errorf("while the wizard asks, another process may take the run: %v", err)
	}
	e.press(t, "n")
	l, err := e.store.Lock(j.RunID)
	if err != nil {
		t.Fatalf("after no, the run is still held: %v", err)
	}
	l.Unlock()
	e.press(t, "enter", "y")
	if e.w.stage != stageDone && e.w.stage != stageBuild {
		t.Errorf("enter, then y, leads to %s:\n%s", e.w.stage, e.w.View())
	}
}

// TestSubnetsShowWithoutWaitingForThePrefetch leaves the VPC picker while the prefetch of the
// VPC's instances has not answered (as in a VPC of thousands): the Subnets screen lists the
// subnets read with the VPCs at once, and the prefetch's failure, which concerns the
// instances, does not blank them; the Targets screen then loads the instances itself.
func TestSubnetsShowWithoutWaitingForThePrefetch(t *testing.T) {
	e := newEnv(t, "DescribeInstances:2") // the first call is Welcome's scan for half-made setups
	e.init(t)
	e.press(t, "enter", "prod")
	_, prefetch := e.w.Update(tea.KeyMsg{Type: tea.KeyEnter}) // its commands are held back
	view := e.w.View()
	for _, want := range []string{"vpclink · Subnets", "10.0.10.0/24", "10.0.2.0/24", "3 selected"} {
		if !strings.Contains(view, want) {
			t.Errorf("before the prefetch answers, the view does not say %q:\n%s", want, view)
		}
	}
	if p := e.w.c.Draft.plan.Subnets; len(p) != 3 {
		t.Errorf("the plan has subnets %q; want the 3 preselected", p)
	}
	e.run(t, prefetch) // now the prefetch answers, with DescribeInstances denied
	if view := e.w.View(); !strings.Contains(view, "10.0.10.0/24") || strings.Contains(view, "✘") {
		t.Errorf("the prefetch's failure changed the Subnets screen:\n%s", view)
	}
	e.press(t, "enter", "enter")
	if view := e.w.View(); !strings.Contains(view, "vpclink · Targets") || !strings.Contains(view, "orders-api-1") {
		t.Errorf("the Targets screen does not list the instances:\n%s", view)
	}
}
