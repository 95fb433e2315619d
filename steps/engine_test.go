package steps_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/awsops/sandbox"
	"github.com/vpclink/vpclink/steps"
)

func newSandbox(t *testing.T, faults string) *sandbox.Sandbox {
	t.Helper()
	sb, err := sandbox.New(sandbox.Options{Region: "us-east-1", Speed: 0, Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	return sb
}

func loadPlan(t *testing.T, path string) *steps.Plan {
	t.Helper()
	p, err := steps.LoadPlan(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// apply resolves and applies a plan the way `vpclink apply` does, without rolling back, and
// gives the run up as that process would on exit.
func apply(t *testing.T, acct *awsops.Account, store *steps.Store, p *steps.Plan) (*steps.Journal, error) {
	t.Helper()
	ctx := context.Background()
	res, err := steps.Resolve(ctx, acct, p)
	if err != nil {
		return nil, err
	}
	r := &steps.Runner{Account: acct, Store: store}
	defer r.Close() // the run is free for the next runner, as when a vpclink process ends
	j, err := r.NewJournal(p, res, "", true)
	if err != nil {
		t.Fatal(err)
	}
	return j, r.Apply(ctx, j)
}

// applyFresh applies the plan file on a fresh sandbox with the given faults, as apply does,
// with a store of its own; the apply must succeed.
func applyFresh(t *testing.T, faults, plan string) (*sandbox.Sandbox, *steps.Store, *steps.Journal) {
	t.Helper()
	sb := newSandbox(t, faults)
	store := &steps.Store{Dir: t.TempDir()}
	j, err := apply(t, sb.Account(), store, loadPlan(t, plan))
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	return sb, store, j
}

func TestApplyBuildsTheWholeChain(t *testing.T) {
	sb, store, j := applyFresh(t, "", "../examples/demo.yaml")
	acct := sb.Account()
	if j.State != steps.StateComplete {
		t.Fatalf("state = %s, want complete", j.State)
	}
	for _, s := range j.Steps {
		if s.Status != steps.Done && s.ID != steps.IDAPIKey {
			t.Errorf("step %s is %s, want done", s.ID, s.Status)
		}
	}
	ctx := context.Background()
	res := j.Resources
	link, err := acct.GetVPCLink(ctx, res.VPCLinkID)
	if err != nil || link.Status != "AVAILABLE" || !slices.Equal(link.TargetARNs, []string{res.LoadBalancerARN}) {
		t.Errorf("vpc link = %+v, %v; want AVAILABLE targeting %s", link, err, res.LoadBalancerARN)
	}
	stage, err := acct.GetStage(ctx, res.RestAPIID, "dev")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"VPCLink": res.VPCLinkID, "VPCNLB": res.LoadBalancerDNS}
	if !maps.Equal(stage.Variables, want) {
		t.Errorf("stage variables = %v, want %v", stage.Variables, want)
	}
	if stage.Tags["vpclink:run"] != j.RunID || stage.Tags["team"] != "payments" {
		t.Errorf("stage tags = %v; want the run id and the plan's tags", stage.Tags)
	}
	rs, err := acct.ListResources(ctx, res.RestAPIID)
	if err != nil {
		t.Fatal(err)
	}
	if got := rs["/{proxy+}"].Methods; !slices.Equal(got, []string{"DELETE", "GET", "PATCH", "POST"}) {
		t.Errorf("proxy methods = %v", got)
	}
	health, err := acct.TargetHealth(ctx, res.TargetGroupARN)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range health {
		if h.State != "healthy" {
			t.Errorf("target %s is %s (%s)", h.ID, h.State, h.Reason)
		}
	}
	if len(res.Ingress) != 2 { // 2 NLB IPs × 1 port, in the one group both instances share
		t.Errorf("ingress rules = %+v, want 2", res.Ingress)
	}
	for _, r := range res.Ingress {
		if r.CIDR == "0.0.0.0/0" || !strings.HasSuffix(r.CIDR, "/32") {
			t.Errorf("rule %+v is not a single NLB address", r)
		}
	}
	if got := j.InvokeURL(); got != "https://"+res.RestAPIID+".execute-api.us-east-1.amazonaws.com/dev" {
		t.Errorf("invoke url = %s", got)
	}
	info, err := os.Stat(store.Dir + "/runs/" + j.RunID + ".json")
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("journal file: %v, mode %v; want 0600", err, info.Mode().Perm())
	}
}

func TestRollbackRestoresTheAccount(t *testing.T) {
	for _, plan := range []string{"demo", "api-key", "vpc-cidr"} {
		t.Run(plan, func(t *testing.T) {
			sb := newSandbox(t, "")
			before := sb.Snapshot()
			acct := sb.Account()
			r := &steps.Runner{Account: acct}
			j, err := apply(t, acct, nil, loadPlan(t, "../examples/"+plan+".yaml"))
			if err != nil {
				t.Fatalf("apply: %v", err)
			}
			if err := r.Rollback(context.Background(), j, steps.StateDestroyed); err != nil {
				t.Fatalf("rollback: %v", err)
			}
			if after := sb.Snapshot(); after != before {
				t.Errorf("the account differs after rollback:\nbefore %s\nafter  %s", before, after)
			}
			if j.State != steps.StateDestroyed {
				t.Errorf("state = %s", j.State)
			}
		})
	}
}

// applyOps lists every operation a clean apply of the plan calls, with its call count.
func applyOps(t *testing.T, plan string) map[string]int {
	t.Helper()
	sb := newSandbox(t, "")
	if _, err := apply(t, sb.Account(), nil, loadPlan(t, plan)); err != nil {
		t.Fatal(err)
	}
	return sb.Calls()
}

func TestEveryInjectedFailureRollsBackToThePriorInventory(t *testing.T) {
	for _, plan := range []string{"../examples/demo.yaml", "../examples/api-key.yaml"} {
		ops := applyOps(t, plan)
		for _, op := range slices.Sorted(maps.Keys(ops)) {
			for n := 1; n <= min(ops[op], 3); n++ {
				fault := fmt.Sprintf("%s:%d", op, n)
				t.Run(strings.TrimPrefix(plan, "../examples/")+"/"+fault, func(t *testing.T) {
					sb := newSandbox(t, fault)
					before := sb.Snapshot()
					acct := sb.Account()
					j, err := apply(t, acct, nil, loadPlan(t, plan))
					if err == nil {
						t.Fatalf("apply succeeded despite %s", fault)
					}
					// The injected error comes through: AWS's permission error, or a FAILED link.
					var pe *awsops.PermissionError
					var fe *awsops.VPCLinkFailedError
					if !errors.As(err, &pe) && !(op == "VpcLinkAvailable" && errors.As(err, &fe)) {
						t.Errorf("error %v is not the injected one", err)
					}
					if j != nil {
						if j.State != steps.StateFailed {
							t.Errorf("state = %s, want failed", j.State)
						}
						if err := (&steps.Runner{Account: acct}).Rollback(context.Background(), j, steps.StateRolledBack); err != nil {
							t.Fatalf("rollback: %v", err)
						}
					}
					if after := sb.Snapshot(); after != before {
						t.Errorf("the account differs after rolling back %s:\nbefore %s\nafter  %s", fault, before, after)
					}
				})
			}
		}
	}
}

func TestKeptFailuresResumeWithoutDuplicates(t *testing.T) {
	plan := "../examples/api-key.yaml"
	ops := applyOps(t, plan)
	for _, op := range slices.Sorted(maps.Keys(ops)) {
		fault := op + ":1"
		t.Run(fault, func(t *testing.T) {
			sb := newSandbox(t, fault)
			acct := sb.Account()
			store := &steps.Store{Dir: t.TempDir()}
			j, err := apply(t, acct, store, loadPlan(t, plan))
			if err == nil {
				t.Fatalf("apply succeeded despite %s", fault)
			}
			if j == nil {
				return // failed while resolving: nothing was created, nothing to resume
			}
			kept, err := store.Load(j.RunID)
			if err != nil {
				t.Fatal(err)
			}
			if err := (&steps.Runner{Account: acct, Store: store}).Apply(context.Background(), kept); err != nil {
				t.Fatalf("resume: %v", err)
			}
			want := sandbox.Inventory{LoadBalancers: 1, TargetGroups: 1, Listeners: 1, Targets: 2, VPCLinks: 1, RestAPIs: 1, APIKeys: 1, UsagePlans: 1}
			got := sb.Inventory()
			got.IngressRules = 0
			if got != want {
				t.Errorf("inventory after resume = %+v, want %+v", got, want)
			}
			if kept.State != steps.StateComplete {
				t.Errorf("state = %s", kept.State)
			}
		})
	}
}

// A create stopped in flight (a crash, ctrl+c) can leave a resource whose id never reached
// the journal; rollback finds such resources by the run's names and tags.
func TestRollbackFindsWhatTheJournalMissed(t *testing.T) {
	sb := newSandbox(t, "")
	before := sb.Snapshot()
	acct := sb.Account()
	j, err := apply(t, acct, nil, loadPlan(t, "../examples/api-key.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	r := &j.Resources
	r.TargetGroupARN, r.LoadBalancerARN, r.ListenerARN, r.Registered, r.Ingress = "", "", "", nil, nil
	r.VPCLinkID, r.RestAPIID, r.APIKeyID, r.UsagePlanID = "", "", "", ""
	if err := (&steps.Runner{Account: acct}).Rollback(context.Background(), j, steps.StateRolledBack); err != nil {
		t.Fatalf("rollback: %v", err)
	}
	if after := sb.Snapshot(); after != before {
		t.Errorf("the account differs after rolling back a journal without ids:\nbefore %s\nafter  %s", before, after)
	}
}

// A failed step stops the others at once instead of letting a long wait run on. The account
// runs at AWS's speed in a bubble of virtual time, so that the verdict does not hang on how
// busy the machine is.
func TestAFailureStopsTheOtherSteps(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sb, err := sandbox.New(sandbox.Options{Region: "us-east-1", Speed: 1, Faults: "CreateRestApi"})
		if err != nil {
			t.Fatal(err)
		}
		acct := sb.Account() // AWS's waits: the NLB provisions for three minutes
		start := time.Now()
		_, err = apply(t, acct, nil, loadPlan(t, "../examples/demo.yaml"))
		var se *steps.StepError
		if !errors.As(err, &se) || se.Step != steps.IDRestAPI {
			t.Errorf("err = %v; want the REST API step's failure", err)
		}
		if took := time.Since(start); took >= 3*time.Minute {
			t.Errorf("apply returned after %v: it went on waiting for the load balancer after a step had failed", took)
		}
	})
}

// A run that reuses another's load balancer, VPC link, API and stage rolls back only what
// it added: the ANY method, not the stage or the resources that were there before.
func TestReusingRunsRollBackOnlyWhatTheyAdded(t *testing.T) {
	sb := newSandbox(t, "")
	acct := sb.Account()
	first, err := apply(t, acct, nil, loadPlan(t, "../examples/demo.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	afterFirst := sb.Snapshot()
	p, err := steps.ParsePlan("reuse", []byte(fmt.Sprintf(
		"name: reuse\nvpc: prod-vpc\nloadBalancer: {existing: %s}\napi: {existing: %s, methods: [ANY]}\nstage: {name: dev}\n",
		awsops.ResourceName(first.Resources.LoadBalancerARN), first.Resources.RestAPIID)))
	if err != nil {
		t.Fatal(err)
	}
	second, err := apply(t, acct, nil, p)
	if err != nil {
		t.Fatalf("apply with reuse: %v", err)
	}
	r := second.Resources
	if !r.LoadBalancerReused || !r.VPCLinkReused || r.VPCLinkID != first.Resources.VPCLinkID || !r.RestAPIReused || !r.StageExisted {
		t.Errorf("resources = %+v; want the first run's NLB, link, API and stage reused", r)
	}
	rs, _ := acct.ListResources(context.Background(), r.RestAPIID)
	if got := rs["/{proxy+}"].Methods; !slices.Equal(got, []string{"ANY", "DELETE", "GET", "PATCH", "POST"}) {
		t.Errorf("methods after the second run = %v", got)
	}
	if err := (&steps.Runner{Account: acct}).Rollback(context.Background(), second, steps.StateRolledBack); err != nil {
		t.Fatalf("rollback: %v", err)
	}
	if after := sb.Snapshot(); after != afterFirst {
		i := 0
		for i < len(after) && i < len(afterFirst) && after[i] == afterFirst[i] {
			i++
		}
		t.Errorf("rolling back the reusing run changed what the first run built, from: %.300s\nwas: %.300s", after[max(i-200, 0):], afterFirst[max(i-200, 0):])
	}
}

// Resume checks each recorded resource: one deleted outside vpclink is made again, and the
// run ends complete with one of everything.
func TestResumeRebuildsWhatWasDeletedOutsideVpclink(t *testing.T) {
	sb := newSandbox(t, "CreateDeployment")
	acct := sb.Account()
	store := &steps.Store{Dir: t.TempDir()}
	j, err := apply(t, acct, store, loadPlan(t, "../examples/demo.yaml"))
	if err == nil {
		t.Fatal("apply succeeded despite the injected failure")
	}
	gone := j.Resources.RestAPIID
	if err := acct.DeleteRestAPI(context.Background(), gone); err != nil { // someone cleans up by hand
		t.Fatal(err)
	}
	kept, _ := store.Load(j.RunID)
	if err := (&steps.Runner{Account: acct, Store: store}).Apply(context.Background(), kept); err != nil {
		t.Fatalf("resume: %v", err)
	}
	if got := kept.Resources.Methods; !slices.Equal(got, []string{"GET", "POST", "PATCH", "DELETE"}) {
		t.Errorf("recorded methods = %v; want each once, for the new API", got)
	}
	if kept.Resources.RestAPIID == gone || kept.State != steps.StateComplete {
		t.Errorf("after resume: api %s (was %s), state %s", kept.Resources.RestAPIID, gone, kept.State)
	}
	if inv := sb.Inventory(); inv.RestAPIs != 1 || inv.LoadBalancers != 1 || inv.VPCLinks != 1 {
		t.Errorf("inventory = %+v", inv)
	}
	if _, err := acct.GetStage(context.Background(), kept.Resources.RestAPIID, "dev"); err != nil {
		t.Errorf("the new API has no stage: %v", err)
	}
}

// A VPC link that ends FAILED stops the setup with AWS's statusMessage and a fix, and rolls
// back like any other failure.
func TestAFailedVPCLinkIsReportedWithAWSsMessage(t *testing.T) {
	sb := newSandbox(t, "VpcLinkAvailable")
	before := sb.Snapshot()
	acct := sb.Account()
	j, err := apply(t, acct, nil, loadPlan(t, "../examples/demo.yaml"))
	var fe *awsops.VPCLinkFailedError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "insufficient free IP addresses") {
		t.Fatalf("err = %v; want the VPC link's FAILED statusMessage", err)
	}
	if !strings.Contains(steps.Recommend(err), "retry or resume") {
		t.Errorf("advice = %q", steps.Recommend(err))
	}
	if err := (&steps.Runner{Account: acct}).Rollback(context.Background(), j, steps.StateRolledBack); err != nil {
		t.Fatalf("rollback: %v", err)
	}
	if sb.Snapshot() != before {
		t.Errorf("the account differs after rolling back a FAILED VPC link")
	}
}
