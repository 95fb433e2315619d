package steps_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/steps"
)

// Attaching the key to the usage plan is an action of its own: a run kept after it failed,
// or whose journal lost the plan's and key's ids in a crash (they are then found by tag),
// ends with the key attached when resumed.
func TestAResumedRunEndsWithTheKeyAttached(t *testing.T) {
	for name, lose := range map[string]func(*steps.Resources){
		"the attach call failed":                      func(*steps.Resources) {},
		"a crash lost the plan's id from the journal": func(r *steps.Resources) { r.UsagePlanID = "" },
		"a crash lost both ids from the journal":      func(r *steps.Resources) { r.UsagePlanID, r.APIKeyID = "", "" },
	} {
		t.Run(name, func(t *testing.T) {
			sb := newSandbox(t, "CreateUsagePlanKey")
			acct := sb.Account()
			store := &steps.Store{Dir: t.TempDir()}
			j, err := apply(t, acct, store, loadPlan(t, "../examples/api-key.yaml"))
			if err == nil {
				t.Fatal("apply succeeded despite the failed CreateUsagePlanKey")
			}
			kept, err := store.Load(j.RunID)
			if err != nil {
				t.Fatal(err)
			}
			if kept.Resources.UsagePlanID == "" || kept.Resources.APIKeyID == "" {
				t.Fatalf("the journal lacks the usage plan or key it made: %+v", kept.Resources)
			}
			lose(&kept.Resources)
			if err := (&steps.Runner{Account: acct, Store: store}).Apply(context.Background(), kept); err != nil {
				t.Fatalf("resume: %v", err)
			}
			res := kept.Resources
			attached, err := acct.UsagePlanHasKey(context.Background(), res.UsagePlanID, res.APIKeyID)
			if err != nil {
				t.Fatal(err)
			}
			if !attached {
				t.Errorf("key %s is not attached to usage plan %s after resume", res.APIKeyID, res.UsagePlanID)
			}
			if inv := sb.Inventory(); inv.APIKeys != 1 || inv.UsagePlans != 1 {
				t.Errorf("inventory = %+v, want one key and one usage plan", inv)
			}
			if d := kept.Step(steps.IDAPIKey).Detail; d != "Attached API key "+res.APIKeyID+" to usage plan "+res.UsagePlanID+"." {
				t.Errorf("step detail = %q", d)
			}
		})
	}
}

// A second attach of the same key is AWS's ConflictException; vpclink's attach takes it as done.
// moto accepts the second attach silently, so only the demo account checks this.
func TestAttachingAnAttachedKeyIsAConflictThatAttachTakesAsDone(t *testing.T) {
	sb, _, j := applyFresh(t, "", "../examples/api-key.yaml")
	acct := sb.Account()
	ctx := context.Background()
	res := j.Resources
	_, err := acct.Gateway.CreateUsagePlanKey(ctx, &apigateway.CreateUsagePlanKeyInput{UsagePlanId: aws.String(res.UsagePlanID), KeyId: aws.String(res.APIKeyID), KeyType: aws.String("API_KEY")})
	want := "Usage Plan " + res.UsagePlanID + " cannot be added because API Key " + res.APIKeyID + " already exists in this Usage Plan"
	if err == nil || awsops.ErrorCode(err) != "ConflictException" || !strings.Contains(err.Error(), want) {
		t.Errorf("second CreateUsagePlanKey: %v; want ConflictException %q", err, want)
	}
	if err := acct.AttachUsagePlanKey(ctx, res.UsagePlanID, res.APIKeyID); err != nil {
		t.Errorf("attach of an attached key: %v", err)
	}
}

// notes collects what steps report as done.
type notes struct {
	mu   sync.Mutex
	text []string
}

func (n *notes) event(e steps.Event) {
	if e.Kind == steps.StepNote {
		n.mu.Lock()
		defer n.mu.Unlock()
		n.text = append(n.text, e.Text)
	}
}

func (n *notes) has(sub string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.ContainsFunc(n.text, func(s string) bool { return strings.Contains(s, sub) })
}

// applyVPCCIDRTwice applies the plan that admits the VPC's CIDR twice, as two runs that
// need the same security group rule.
func applyVPCCIDRTwice(t *testing.T, acct *awsops.Account, store *steps.Store) (first, second *steps.Journal) {
	t.Helper()
	first, err := apply(t, acct, store, loadPlan(t, "../examples/vpc-cidr.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	second, err = apply(t, acct, store, loadPlan(t, "../examples/vpc-cidr.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return first, second
}

// secondStaysHealthy checks that every target of the second run is healthy once the first
// run is destroyed.
func secondStaysHealthy(t *testing.T, acct *awsops.Account, second *steps.Journal) {
	t.Helper()
	health, err := acct.TargetHealth(context.Background(), second.Resources.TargetGroupARN)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range health {
		if h.State != "healthy" {
			t.Errorf("second run's target %s is %s (%s) after the first was destroyed", h.ID, h.State, h.Reason)
		}
	}
}

// Two runs of a plan that admits the VPC's CIDR need one security group rule, and AWS keeps
// one: the second run relies on the first's. Destroying the first leaves it to the second,
// whose targets stay healthy; destroying the second then removes it.
func TestDestroyingOneRunKeepsTheRuleAnotherReliesOn(t *testing.T) {
	sb := newSandbox(t, "")
	before := sb.Snapshot()
	acct := sb.Account()
	store := &steps.Store{Dir: t.TempDir()}
	ctx := context.Background()
	first, second := applyVPCCIDRTwice(t, acct, store)
	if len(first.Resources.Ingress) != 1 {
		t.Fatalf("first run's rules = %+v, want one", first.Resources.Ingress)
	}
	rule := first.Resources.Ingress[0]
	if got := second.Resources; len(got.Ingress) != 0 || len(got.IngressShared) != 1 || got.IngressShared[0] != rule {
		t.Fatalf("second run: created %+v, relies on %+v; want it to rely on %+v, creating nothing", got.Ingress, got.IngressShared, rule)
	}

	var seen notes
	if err := (&steps.Runner{Account: acct, Store: store, Events: seen.event}).Rollback(ctx, first, steps.StateDestroyed); err != nil {
		t.Fatalf("destroy the first run: %v", err)
	}
	if !seen.has("run " + second.RunID + " relies on it") {
		t.Errorf("destroy did not say which run keeps the rule: %q", seen.text)
	}
	groups, err := acct.ListSecurityGroups(ctx, second.Resources.VPCID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(groups, func(g awsops.SecurityGroup) bool { return slices.Contains(g.Ingress, rule) }) {
		t.Errorf("destroying the first run revoked %+v, which the second relies on", rule)
	}
	secondStaysHealthy(t, acct, second)

	if err := (&steps.Runner{Account: acct, Store: store}).Rollback(ctx, second, steps.StateDestroyed); err != nil {
		t.Fatalf("destroy the second run: %v", err)
	}
	if after := sb.Snapshot(); after != before {
		t.Errorf("the account differs after both runs were destroyed:\nbefore %s\nafter  %s", before, after)
	}
}

// A run that reuses another's load balancer (and so its VPC link) relies on all that serves
// it: destroying the run that made them keeps them, names the run that uses them, and leaves
// itself unfinished; once that run is gone, destroying it again deletes them.
func TestDestroyKeepsTheLoadBalancerAnotherRunReuses(t *testing.T) {
	sb := newSandbox(t, "")
	before := sb.Snapshot()
	acct := sb.Account()
	store := &steps.Store{Dir: t.TempDir()}
	ctx := context.Background()
	first, err := apply(t, acct, store, loadPlan(t, "../examples/demo.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := steps.ParsePlan("reuse", []byte(fmt.Sprintf(
		"name: reuse\nvpc: prod-vpc\nloadBalancer: {existing: %s}\napi: {methods: [ANY]}\nstage: {name: dev}\n",
		awsops.ResourceName(first.Resources.LoadBalancerARN))))
	if err != nil {
		t.Fatal(err)
	}
	second, err := apply(t, acct, store, p)
	if err != nil {
		t.Fatalf("apply with reuse: %v", err)
	}

	err = (&steps.Runner{Account: acct, Store: store}).Rollback(ctx, first, steps.StateDestroyed)
	var kept *steps.KeptError
	if !errors.As(err, &kept) || kept.By != second.RunID {
		t.Fatalf("destroy the first run: %v; want it to keep what run %s uses", err, second.RunID)
	}
	if first.State == steps.StateDestroyed {
		t.Errorf("the first run is marked destroyed while it still holds its load balancer")
	}
	for _, want := range []string{"load balancer " + awsops.ResourceName(first.Resources.LoadBalancerARN), "VPC link " + first.Resources.VPCLinkID} {
		if !strings.Contains(err.Error(), "kept "+want+": run "+second.RunID+" uses it") {
			t.Errorf("destroy did not say it kept %s for run %s: %v", want, second.RunID, err)
		}
	}
	if _, err := acct.GetLoadBalancer(ctx, first.Resources.LoadBalancerARN); err != nil {
		t.Errorf("the load balancer the second run uses: %v", err)
	}
	if l, err := acct.GetVPCLink(ctx, first.Resources.VPCLinkID); err != nil || l.Status != "AVAILABLE" {
		t.Errorf("the VPC link the second run uses: %+v, %v", l, err)
	}

	if err := (&steps.Runner{Account: acct, Store: store}).Rollback(ctx, second, steps.StateDestroyed); err != nil {
		t.Fatalf("destroy the second run: %v", err)
	}
	if err := (&steps.Runner{Account: acct, Store: store}).Rollback(ctx, first, steps.StateDestroyed); err != nil {
		t.Fatalf("destroy the first run again: %v", err)
	}
	if after := sb.Snapshot(); after != before {
		t.Errorf("the account differs after both runs were destroyed:\nbefore %s\nafter  %s", before, after)
	}
}

// BuiltBy finds the complete run of the same plan, region and account, and no other.
func TestBuiltByFindsOnlyACompleteRunOfTheSamePlanRegionAndAccount(t *testing.T) {
	plan := func(t *testing.T) *steps.Plan { return loadPlan(t, "../examples/demo.yaml") }
	for name, tc := range map[string]struct {
		change  func(*steps.Journal)
		account string
		want    bool
	}{
		"a complete run of the same plan built it":   {change: func(*steps.Journal) {}, want: true},
		"a run of the same account built it":         {change: func(j *steps.Journal) { j.Account = "123456789012" }, account: "123456789012", want: true},
		"a run of another account did not":           {change: func(j *steps.Journal) { j.Account = "111111111111" }, account: "123456789012"},
		"a run in another region did not":            {change: func(j *steps.Journal) { j.Region = "eu-west-1" }},
		"a destroyed run did not":                    {change: func(j *steps.Journal) { j.State = steps.StateDestroyed }},
		"a failed run did not":                       {change: func(j *steps.Journal) { j.State = steps.StateFailed }},
		"a run of a plan with another stage did not": {change: func(j *steps.Journal) { j.Plan.Stage.Name = "prod" }},
	} {
		t.Run(name, func(t *testing.T) {
			store := &steps.Store{Dir: t.TempDir()}
			j := &steps.Journal{RunID: "orders-0a1b2c", State: steps.StateComplete, Region: "us-east-1", Plan: *plan(t)}
			tc.change(j)
			if err := store.Save(j); err != nil {
				t.Fatal(err)
			}
			got, err := store.BuiltBy(plan(t), "us-east-1", func() (string, error) { return tc.account, nil })
			if err != nil {
				t.Fatal(err)
			}
			if (got != nil) != tc.want {
				t.Errorf("BuiltBy = %v, want a run: %v", got, tc.want)
			}
		})
	}
}

// A run that has not recorded the rules it relies on (one still adding them, or a journal
// written before runs recorded them) is protected all the same: destroy sees that the rule
// admits that run's load balancer to its targets.
func TestDestroyKeepsARuleThatAdmitsAnotherRunsTargets(t *testing.T) {
	sb := newSandbox(t, "")
	acct := sb.Account()
	store := &steps.Store{Dir: t.TempDir()}
	ctx := context.Background()
	first, second := applyVPCCIDRTwice(t, acct, store)
	second.Resources.IngressShared = nil
	if err := store.Save(second); err != nil {
		t.Fatal(err)
	}
	if err := (&steps.Runner{Account: acct, Store: store}).Rollback(ctx, first, steps.StateDestroyed); err != nil {
		t.Fatalf("destroy the first run: %v", err)
	}
	secondStaysHealthy(t, acct, second)
}
