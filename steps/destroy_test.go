package steps_test

import (
	"context"
	"sync"
	"testing"

	"github.com/vpclink/vpclink/steps"
)

// TestDestroyMarksTheRunBeforeTheFirstDelete reads the journal from disk as the first undo
// starts: a crash from then on must leave a run that says it was being destroyed.
func TestDestroyMarksTheRunBeforeTheFirstDelete(t *testing.T) {
	sb, store, j := applyFresh(t, "", "../examples/demo.yaml")
	acct := sb.Account()
	var once sync.Once
	var onDisk *steps.Journal
	var loadErr error
	r := &steps.Runner{Account: acct, Store: store, Events: func(e steps.Event) {
		if e.Kind == steps.UndoStarted {
			once.Do(func() { onDisk, loadErr = store.Load(j.RunID) })
		}
	}}
	if err := r.Rollback(context.Background(), j, steps.StateDestroyed); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	if loadErr != nil || onDisk == nil {
		t.Fatalf("journal at the first undo: %v", loadErr)
	}
	if onDisk.State != steps.StateDestroying {
		t.Errorf("at the first undo the journal says %s, want %s", onDisk.State, steps.StateDestroying)
	}
	if onDisk.InvokeURL() != "" {
		t.Errorf("a run being destroyed offers invoke URL %s", onDisk.InvokeURL())
	}
	if j.State != steps.StateDestroyed {
		t.Errorf("after the destroy the run is %s, want destroyed", j.State)
	}
}

// TestAFailedDestroyLeavesTheRunHalfDestroyed: a destroy that fails half-way leaves a run
// that says so, with no invoke URL, and a second destroy finishes it.
func TestAFailedDestroyLeavesTheRunHalfDestroyed(t *testing.T) {
	sb, store, j := applyFresh(t, "DeleteRestApi:1", "../examples/demo.yaml")
	acct := sb.Account()
	r := &steps.Runner{Account: acct, Store: store}
	if err := r.Rollback(context.Background(), j, steps.StateDestroyed); err == nil {
		t.Fatal("destroy succeeded; the injected DeleteRestApi fault should stop it")
	}
	got, err := store.Load(j.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != steps.StateDestroying || got.Resources.RestAPIID == "" {
		t.Errorf("after a failed destroy the run is %s (API %q), want %s with its API still recorded", got.State, got.Resources.RestAPIID, steps.StateDestroying)
	}
	if u := got.InvokeURL(); u != "" {
		t.Errorf("a half-destroyed run offers invoke URL %s", u)
	}
	if err := r.Rollback(context.Background(), got, steps.StateDestroyed); err != nil {
		t.Fatalf("second destroy: %v", err)
	}
	if got.State != steps.StateDestroyed {
		t.Errorf("after the second destroy the run is %s", got.State)
	}
	if inv := sb.Inventory(); inv.RestAPIs != 0 || inv.VPCLinks != 0 || inv.LoadBalancers != 0 {
		t.Errorf("left behind: %+v", inv)
	}
}

// TestAStoppedDestroyStopsAtOnce: once ctrl+c or SIGTERM cancels a destroy, no further undo
// is tried (each would fail for the same reason, or on a dependency that is still there);
// what is left stays recorded and the run half-destroyed.
func TestAStoppedDestroyStopsAtOnce(t *testing.T) {
	sb, store, j := applyFresh(t, "", "../examples/demo.yaml")
	acct := sb.Account()
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	var started []string
	r := &steps.Runner{Account: acct, Store: store, Events: func(e steps.Event) {
		if e.Kind != steps.UndoStarted {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		started = append(started, e.Step)
		if e.Step == steps.IDVPCLink {
			cancel()
		}
	}}
	if err := r.Rollback(ctx, j, steps.StateDestroyed); err == nil {
		t.Fatal("a stopped destroy reported success")
	}
	if last := started[len(started)-1]; last != steps.IDVPCLink {
		t.Errorf("undo went on after the stop: %v", started)
	}
	if j.State != steps.StateDestroying || j.Resources.LoadBalancerARN == "" {
		t.Errorf("after a stopped destroy: state %s, load balancer %q; want destroying with the NLB recorded", j.State, j.Resources.LoadBalancerARN)
	}
}
