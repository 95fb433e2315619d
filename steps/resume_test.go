package steps_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/awsops/sandbox"
	"github.com/vpclink/vpclink/steps"
)

// TestResumeReplacesAVPCLinkStillDeleting stops a rollback while AWS deletes the run's VPC
// link, as ctrl+c or a closed terminal would, then resumes at once: the link is still
// DELETING (AWS takes a while to delete one, and so does the demo account), so resume waits
// it out and makes a new one instead of reporting it FAILED.
func TestResumeReplacesAVPCLinkStillDeleting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sb, err := sandbox.New(sandbox.Options{Region: "us-east-1", Speed: 1})
		if err != nil {
			t.Fatal(err)
		}
		acct := sb.Account()
		store := &steps.Store{Dir: t.TempDir()}
		j, err := apply(t, acct, store, loadPlan(t, "../examples/demo.yaml"))
		if err != nil {
			t.Fatalf("apply: %v", err)
		}
		old := j.Resources.VPCLinkID

		ctx, cancel := context.WithCancel(context.Background())
		var once sync.Once
		r := &steps.Runner{Account: acct, Store: store, Events: func(e steps.Event) {
			// The link's undo reports the deletion's status while it waits: stop there.
			if e.Step == steps.IDVPCLink && e.Kind == steps.StepStatus {
				once.Do(cancel)
			}
		}}
		if err := r.Rollback(ctx, j, steps.StateRolledBack); err == nil {
			t.Fatal("the stopped rollback reported success")
		}
		link, err := acct.GetVPCLink(context.Background(), old)
		if err != nil || link.Status != "DELETING" {
			t.Fatalf("after the stopped rollback the link is %+v, %v; want DELETING", link, err)
		}
		if j.Resources.VPCLinkID != old {
			t.Fatalf("the journal lost the link being deleted: %q", j.Resources.VPCLinkID)
		}

		var said []string
		var mu sync.Mutex
		r = &steps.Runner{Account: acct, Store: store, Events: func(e steps.Event) {
			if e.Step == steps.IDVPCLink && e.Kind == steps.StepAction {
				mu.Lock()
				said = append(said, e.Text)
				mu.Unlock()
			}
		}}
		if err := r.Apply(context.Background(), j); err != nil {
			var fe *awsops.VPCLinkFailedError
			if errors.As(err, &fe) {
				t.Fatalf("resume reported the deleting link as failed: %v (advice: %s)", err, steps.Recommend(err))
			}
			t.Fatalf("resume: %v", err)
		}
		if j.State != steps.StateComplete || j.Resources.VPCLinkID == "" || j.Resources.VPCLinkID == old {
			t.Errorf("after resume: state %s, link %q (old %s); want complete with a new link", j.State, j.Resources.VPCLinkID, old)
		}
		if _, err := acct.GetVPCLink(context.Background(), old); !awsops.IsNotFound(err) {
			t.Errorf("the old link is still there: %v", err)
		}
		if all := strings.Join(said, "\n"); !strings.Contains(all, "Waiting for VPC link "+old) {
			t.Errorf("the VPC link step said:\n%s\nwant it to say it waits for %s", all, old)
		}
	})
}
