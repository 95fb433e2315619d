package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/steps"
)

// TestEnterAloneBuildsOnTheDemoAccount is a newcomer who presses only enter, space and y
// from Welcome: the defaults must lead to a working build.
func TestEnterAloneBuildsOnTheDemoAccount(t *testing.T) {
	e := newEnv(t, "")
	f := startFlow(t, e)
	f.waitFor("New setup")
	f.keys("enter")
	f.waitFor("running instances") // the prefetch has told where the instances run
	f.keys("enter")
	f.waitFor("3 selected")
	f.keys("enter")
	f.waitFor("Listener port")
	f.keys("enter")
	f.waitFor("0 selected")
	f.keys("enter") // nothing chosen yet: the footer says what to do
	f.waitFor("select at least one instance with space")
	f.keys("space")
	f.waitFor("1 selected")
	f.keys("enter")
	f.acceptTheRestToReview()
	f.keys("enter")
	f.waitFor("The API is connected to your private service")
	f.keys("enter")
	final := f.tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Wizard)
	j := final.Journal()
	if j == nil || j.State != steps.StateComplete {
		t.Fatalf("journal = %+v", j)
	}
	if got := e.sb.Inventory(); got.LoadBalancers != 1 || got.Targets != 1 || got.VPCLinks != 1 || got.RestAPIs != 1 {
		t.Errorf("inventory = %+v", got)
	}
}

// TestTheVPCPickerStartsOnTheVPCWithInstances: the default VPC is listed first and has no
// instance; the cursor must start on the VPC whose private subnets run instances.
func TestTheVPCPickerStartsOnTheVPCWithInstances(t *testing.T) {
	e := newEnv(t, "")
	e.init(t)
	e.press(t, "enter")
	if got := e.w.c.Draft.vpc.Name; got != "prod-vpc" {
		t.Errorf("the cursor starts on %q; want prod-vpc", got)
	}
	if view := e.w.View(); !strings.Contains(view, "prod-vpc: 3 private and 3 public subnets, 4 running instances") {
		t.Errorf("the detail line does not describe the VPC under the cursor:\n%s", view)
	}
}

// TestAnEmptyVPCSaysWhatToDo chooses the default VPC, which has no instance: the Targets
// screen must say so and how to go on, and esc must lead back to the VPCs.
func TestAnEmptyVPCSaysWhatToDo(t *testing.T) {
	e := newEnv(t, "")
	e.init(t)
	// The default VPC has public subnets only: the user takes one to go on.
	e.press(t, "enter", "up", "enter", "space", "enter", "enter")
	view := e.w.View()
	for _, want := range []string{"vpclink · Targets", "There are no instances in", "esc to go back and choose another VPC"} {
		if !strings.Contains(view, want) {
			t.Errorf("the view does not say %q:\n%s", want, view)
		}
	}
	if strings.Contains(view, "✘") {
		t.Errorf("an error shows before the user tried to go on:\n%s", view)
	}
	golden.RequireEqual(t, []byte(view))
	e.press(t, "esc", "esc", "esc")
	if view := e.w.View(); !strings.Contains(view, "vpclink · VPC ") {
		t.Errorf("esc does not lead back to the VPCs:\n%s", view)
	}
}

func TestEscClearsTheFilterFirst(t *testing.T) {
	e := newEnv(t, "")
	e.init(t)
	e.press(t, "enter", "zzz")
	view := e.w.View()
	if !strings.Contains(view, `No matches for "zzz"`) {
		t.Errorf("an empty result does not say so:\n%s", view)
	}
	e.press(t, "esc")
	view = e.w.View()
	if !strings.Contains(view, "vpclink · VPC ") || !strings.Contains(view, "3 of 3 VPCs") {
		t.Errorf("esc with a filter should clear it and stay:\n%s", view)
	}
	e.press(t, "esc")
	if view := e.w.View(); !strings.Contains(view, "vpclink · Welcome") {
		t.Errorf("esc without a filter should go back:\n%s", view)
	}
}

func TestAFilterDoesNotSurviveAChangeOfVPC(t *testing.T) {
	e := newEnv(t, "")
	e.init(t)
	e.press(t, "enter", "prod", "enter", "enter", "enter", "orders")
	if view := e.w.View(); !strings.Contains(view, "Filter: orders") {
		t.Fatalf("the filter is not typed:\n%s", view)
	}
	// Back to the VPCs (esc clears the filter first), choose staging, and on to Targets.
	e.press(t, "esc", "esc", "esc", "esc", "esc", "ctrl+u", "staging", "enter", "enter", "enter")
	view := e.w.View()
	if !strings.Contains(view, "vpclink · Targets") || strings.Contains(view, "Filter: orders") || !strings.Contains(view, "staging-web-1") {
		t.Errorf("the filter typed for prod-vpc hides staging-vpc's instances:\n%s", view)
	}
}

func TestTheStepCounterNamesSkippedScreens(t *testing.T) {
	e := newEnv(t, "")
	e.init(t)
	e.press(t, "enter", "prod", "enter", "enter")
	if view := e.w.View(); strings.Contains(view, "skipped") {
		t.Errorf("nothing is skipped yet:\n%s", view)
	}
	e.w.c.Draft.lb = &awsops.LoadBalancer{Name: "orders-nlb", State: "active"} // a reused load balancer keeps its targets and rules
	view := e.w.View()
	if !strings.Contains(view, "Targets and Security groups skipped: reused load balancer") {
		t.Errorf("the header does not name the skipped screens:\n%s", view)
	}
}

func TestCtrlGTakesOnlyRealRegions(t *testing.T) {
	e := newEnv(t, "")
	opened := ""
	e.w.c.open = func(profile, region string) (*awsops.Account, error) {
		opened = region
		return e.sb.Account(), nil
	}
	e.init(t)
	e.press(t, "ctrl+g", "ctrl+u", "us-east-9", "enter")
	view := e.w.View()
	if !strings.Contains(view, `"us-east-9" is not an AWS region`) || opened != "" {
		t.Errorf("a made-up region is accepted (opened %q):\n%s", opened, view)
	}
	e.press(t, "ctrl+u", "eu-west-1", "enter")
	if opened != "eu-west-1" {
		t.Errorf("a real region is refused:\n%s", e.w.View())
	}
}
