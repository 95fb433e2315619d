package steps_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/vpclink/vpclink/awsops/sandbox"
	"github.com/vpclink/vpclink/steps"
)

func TestASecondRunnerIsRefusedTheRunTheFirstHolds(t *testing.T) {
	sb := newSandbox(t, "CreateDeployment")
	acct := sb.Account()
	store := &steps.Store{Dir: t.TempDir()}
	ctx := context.Background()
	p := loadPlan(t, "../examples/demo.yaml")
	res, err := steps.Resolve(ctx, acct, p)
	if err != nil {
		t.Fatal(err)
	}
	first := &steps.Runner{Account: acct, Store: store}
	defer first.Close()
	j, err := first.NewJournal(p, res, "", true)
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Apply(ctx, j); err == nil {
		t.Fatal("apply passed; want the deployment to fail")
	}
	before := sb.Inventory()

	second := &steps.Runner{Account: acct, Store: store}
	defer second.Close()
	saved, err := store.Load(j.RunID)
	if err != nil {
		t.Fatal(err)
	}
	for name, try := range map[string]func() error{
		"open":     func() error { _, err := second.Open(ctx, j.RunID); return err },
		"apply":    func() error { return second.Apply(ctx, saved) },
		"rollback": func() error { return second.Rollback(ctx, saved, steps.StateRolledBack) },
	} {
		err := try()
		var inUse *steps.InUseError
		if !errors.As(err, &inUse) || inUse.RunID != j.RunID || inUse.PID != os.Getpid() {
			t.Errorf("%s by a second runner: %v; want the run in use by pid %d", name, err, os.Getpid())
		}
	}
	if after := sb.Inventory(); after != before {
		t.Errorf("the refused runner changed the account: %+v, then %+v", before, after)
	}
	if now, _ := store.Load(j.RunID); now.State != steps.StateFailed {
		t.Errorf("the refused runner left the run %s; want failed", now.State)
	}

	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	resumed, err := second.Open(ctx, j.RunID)
	if err != nil {
		t.Fatalf("open after the first runner let go: %v", err)
	}
	if err := second.Apply(ctx, resumed); err != nil || resumed.State != steps.StateComplete {
		t.Errorf("resume after the first runner let go: %v, %s", err, resumed.State)
	}
}

func TestARunIsClaimedOnlyInItsRegion(t *testing.T) {
	store := &steps.Store{Dir: t.TempDir()}
	j := &steps.Journal{RunID: "orders-abc123", State: steps.StateFailed, Region: "us-east-1", Account: sandbox.AccountID}
	if err := store.Save(j); err != nil {
		t.Fatal(err)
	}
	other, err := sandbox.New(sandbox.Options{Region: "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	r := &steps.Runner{Account: other.Account(), Store: store}
	defer r.Close()
	_, err = r.Open(context.Background(), j.RunID)
	if err == nil || !strings.Contains(err.Error(), "run orders-abc123 was made in us-east-1, but the account is open in eu-west-1") {
		t.Fatalf("open in another region: %v", err)
	}
	// A refused claim holds nothing.
	if l, err := store.Lock(j.RunID); err != nil {
		t.Errorf("lock after a refused claim: %v", err)
	} else {
		l.Unlock()
	}
}

func TestAJournalWithoutAnAccountIsClaimedByTheFirstAccountToOpenIt(t *testing.T) {
	store := &steps.Store{Dir: t.TempDir()}
	if err := store.Save(&steps.Journal{RunID: "orders-abc123", State: steps.StateFailed}); err != nil {
		t.Fatal(err)
	}
	r := &steps.Runner{Account: newSandbox(t, "").Account(), Store: store}
	defer r.Close()
	if _, err := r.Open(context.Background(), "orders-abc123"); err != nil {
		t.Fatal(err)
	}
	j, _ := store.Load("orders-abc123")
	if j.Account != sandbox.AccountID || j.Region != "us-east-1" {
		t.Errorf("the journal now records account %q in %q; want %s in us-east-1", j.Account, j.Region, sandbox.AccountID)
	}
}
