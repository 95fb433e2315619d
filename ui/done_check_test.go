package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest"

	"github.com/vpclink/vpclink/steps"
)

// On the Done screen, c sends a request through the chain just built and shows each hop;
// after a security group stops admitting the load balancer, c names that hop and its fix.
func TestDoneChecksARequestThroughTheChain(t *testing.T) {
	e := newEnv(t, "")
	f := startFlow(t, e)
	f.walkToReview()
	f.keys("enter")
	f.waitFor("The API is connected to your private service")
	f.keys("c")
	f.waitFor("reached the service: 200")

	j := e.w.Journal()
	for _, r := range j.Resources.Ingress {
		if err := e.sb.Account().RevokeIngress(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	f.keys("c")
	f.waitFor("Broken at security-groups")
	f.keys("q")
	final := f.tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Wizard)
	view := final.View()
	for _, want := range []string{"✘ security-groups", "✔ listener", "Try: aws ec2 authorize-security-group-ingress --group-id sg-"} {
		if !strings.Contains(view, want) {
			t.Errorf("Done after c lacks %q:\n%s", want, view)
		}
	}
	for _, line := range strings.Split(view, "\n") {
		if w := len([]rune(line)); w > 80 {
			t.Errorf("line wider than 80 columns (%d): %q", w, line)
		}
	}
	if final.Journal().State != steps.StateComplete {
		t.Errorf("the check changed the run: %s", final.Journal().State)
	}
}
