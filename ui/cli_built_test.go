package ui

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/vpclink/vpclink/awsops/sandbox"
	"github.com/vpclink/vpclink/steps"
)

// At a terminal (the accessible wizard runs apply this way), applying a built plan asks
// whether to build a second copy; no changes nothing, yes builds one.
func TestApplyAtATerminalAsksBeforeASecondCopy(t *testing.T) {
	sb, err := sandbox.New(sandbox.Options{Speed: 0})
	if err != nil {
		t.Fatal(err)
	}
	acct, store := sb.Account(), &steps.Store{Dir: t.TempDir()}
	apply := func(answers string) string {
		t.Helper()
		p, err := steps.LoadPlan("../examples/vpc-cidr.yaml")
		if err != nil {
			t.Fatal(err)
		}
		var out, errOut bytes.Buffer
		c := &CLI{Out: &out, Err: &errOut, In: strings.NewReader(answers), Interactive: true, Demo: true}
		if code := c.Apply(context.Background(), acct, store, p, ""); code != ExitOK {
			t.Fatalf("apply exit %d\n%s", code, errOut.String())
		}
		return errOut.String()
	}
	runs := func() int {
		t.Helper()
		list, err := store.List()
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	apply("y\n")
	if said := apply("n\n"); !strings.Contains(said, "already built this plan") || !strings.Contains(said, "Build a second copy? (y/N)") || runs() != 1 {
		t.Errorf("declining a second copy: %d runs, said:\n%s", runs(), said)
	}
	if apply("y\n"); runs() != 2 {
		t.Errorf("accepting a second copy left %d runs, want 2", runs())
	}
}
