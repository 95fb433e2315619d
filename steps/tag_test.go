package steps_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/steps"
)

// duplicate makes, as a crash between a create and its record followed by a retry would,
// a second VPC link, REST API, API key and usage plan tagged with the run. It returns their
// ids, and the load balancer the duplicate link targets.
func duplicate(t *testing.T, acct *awsops.Account, j *steps.Journal) (link, api, lbARN string) {
	t.Helper()
	ctx := context.Background()
	tags := map[string]string{awsops.TagRun: j.RunID}
	// AWS takes one VPC link per load balancer: the duplicate's is one the run left behind.
	lb, err := acct.CreateLoadBalancer(ctx, "left-behind-nlb", j.Resources.SubnetIDs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := acct.WaitLoadBalancerActive(ctx, lb.ARN, nil); err != nil {
		t.Fatal(err)
	}
	l, err := acct.CreateVPCLink(ctx, j.RunID+"-link", lb.ARN, tags)
	if err != nil {
		t.Fatal(err)
	}
	if err := acct.WaitVPCLink(ctx, l.ID, nil); err != nil {
		t.Fatal(err)
	}
	a, err := acct.CreateRestAPI(ctx, j.Plan.Name, "REGIONAL", tags)
	if err != nil {
		t.Fatal(err)
	}
	if j.Resources.APIKeyID != "" {
		k, err := acct.CreateAPIKey(ctx, j.RunID+"-key", tags)
		if err != nil {
			t.Fatal(err)
		}
		plan, err := acct.CreateUsagePlan(ctx, j.RunID+"-key", j.Resources.RestAPIID, j.Resources.Stage, 0, 0, tags)
		if err != nil {
			t.Fatal(err)
		}
		if err := acct.AttachUsagePlanKey(ctx, plan, k.ID); err != nil {
			t.Fatal(err)
		}
	}
	return l.ID, a.ID, lb.ARN
}

func TestDestroyRemovesEveryResourceTaggedWithTheRun(t *testing.T) {
	sb := newSandbox(t, "")
	before := sb.Snapshot()
	acct := sb.Account()
	j, err := apply(t, acct, nil, loadPlan(t, "../examples/api-key.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	_, _, lb := duplicate(t, acct, j)
	if err := (&steps.Runner{Account: acct}).Rollback(context.Background(), j, steps.StateDestroyed); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	if got := sb.Inventory(); got.VPCLinks != 0 || got.RestAPIs != 0 || got.APIKeys != 0 || got.UsagePlans != 0 {
		t.Errorf("inventory after destroy = %+v; want no VPC link, REST API, API key or usage plan left", got)
	}
	if err := acct.DeleteLoadBalancer(context.Background(), lb); err != nil {
		t.Fatal(err)
	}
	if after := sb.Snapshot(); after != before {
		t.Errorf("the account differs after destroy (a duplicate is left):\nbefore %s\nafter  %s", before, after)
	}
}

func TestResumeAdoptsOneOfTheTaggedDuplicatesAndNamesTheOthers(t *testing.T) {
	sb := newSandbox(t, "CreateDeployment")
	acct := sb.Account()
	store := &steps.Store{Dir: t.TempDir()}
	j, err := apply(t, acct, store, loadPlan(t, "../examples/demo.yaml"))
	if err == nil {
		t.Fatal("apply passed; want the deployment to fail")
	}
	link, api, _ := duplicate(t, acct, j)
	// The journal lost both ids, as after a crash right after the creates.
	kept, err := store.Load(j.RunID)
	if err != nil {
		t.Fatal(err)
	}
	links, apis := []string{kept.Resources.VPCLinkID, link}, []string{kept.Resources.RestAPIID, api}
	kept.Resources.VPCLinkID, kept.Resources.RestAPIID = "", ""
	var mu sync.Mutex
	var notes []string
	r := &steps.Runner{Account: acct, Store: store, Events: func(e steps.Event) {
		if e.Kind == steps.StepNote {
			mu.Lock()
			notes = append(notes, e.Text)
			mu.Unlock()
		}
	}}
	defer r.Close()
	if err := r.Apply(context.Background(), kept); err != nil {
		t.Fatalf("resume: %v", err)
	}
	for kind, ids := range map[string][]string{"VPC link": links, "REST API": apis} {
		adopted := kept.Resources.VPCLinkID
		if kind == "REST API" {
			adopted = kept.Resources.RestAPIID
		}
		other := ids[0]
		if adopted == ids[0] {
			other = ids[1]
		}
		want := "Found " + kind + " " + adopted + " from an earlier attempt. The run's tag is also on " + kind + " " + other + ", not used: `vpclink destroy " + kept.RunID + "`"
		found := false
		for _, n := range notes {
			found = found || strings.Contains(n, want)
		}
		if !found || (adopted != ids[0] && adopted != ids[1]) {
			t.Errorf("resume adopted %s %q and said:\n%s\nwant a note %q", kind, adopted, strings.Join(notes, "\n"), want)
		}
	}
	if got := sb.Inventory(); got.VPCLinks != 2 || got.RestAPIs != 2 {
		t.Errorf("inventory after resume = %+v; want the two of each left for destroy, no third", got)
	}
}
