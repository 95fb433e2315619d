package steps_test

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/awsops/sandbox"
	"github.com/vpclink/vpclink/steps"
)

// AWS refuses to delete a VPC link a deployed stage reaches through its variables, naming
// each method that does; the demo account words it as AWS does.
func TestDeletingALinkAStageUsesIsRefusedInAWSsWords(t *testing.T) {
	sb, _, run := startScenario(t, "link-failed")
	res := run.Journal.Resources
	err := sb.Account().DeleteVPCLink(context.Background(), res.VPCLinkID)
	want := regexp.MustCompile(`BadRequestException: Cannot delete vpc link\. Vpc link '` + res.VPCLinkID + `', is referenced in \[` +
		res.RestAPIID + `:[A-Z]+:[a-z0-9]+:` + res.Stage + `(, ` + res.RestAPIID + `:[A-Z]+:[a-z0-9]+:` + res.Stage + `)*\] in format of \[RESTApiId:Method:Resource:Stage\]\.$`)
	if err == nil || !want.MatchString(err.Error()) {
		t.Fatalf("deleting the link the stage uses: %v; want AWS's refusal, %s", err, want)
	}
}

// Resume mends the link-failed scenario: the FAILED link, which the stage still names, is
// replaced make-before-break (a new link, the stage moved to it, then the old one deleted), a
// request through the chain answers 200, and one link tagged with the run remains. Destroy
// then leaves nothing of the run.
func TestResumeReplacesAFailedLinkTheStageUses(t *testing.T) {
	ctx := context.Background()
	sb, store, run := startScenario(t, "link-failed")
	acct := sb.Account()
	old := run.Journal.Resources.VPCLinkID
	before, _ := store.Load(run.Journal.RunID)
	j, err := store.Load(run.Journal.RunID)
	if err != nil {
		t.Fatal(err)
	}
	var said []string
	r := &steps.Runner{Account: acct, Store: store, Events: func(e steps.Event) {
		if e.Step == steps.IDVPCLink || e.Step == steps.IDDeploy {
			said = append(said, e.Text)
		}
	}}
	if err := r.Apply(ctx, j); err != nil {
		t.Fatalf("resume: %v\nsteps said:\n%s", err, strings.Join(said, "\n"))
	}
	r.Close()
	res := j.Resources
	if j.State != steps.StateComplete || res.VPCLinkID == "" || res.VPCLinkID == old || len(res.SupersededLinks) != 0 {
		t.Errorf("after resume: state %s, link %q (old %s), superseded %v; want complete with a new link and none superseded", j.State, res.VPCLinkID, old, res.SupersededLinks)
	}
	if _, err := acct.GetVPCLink(ctx, old); !awsops.IsNotFound(err) {
		t.Errorf("the FAILED link %s is still there: %v", old, err)
	}
	links, err := acct.ListVPCLinks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var tagged []string
	for _, l := range links {
		if l.Tags[awsops.TagRun] == j.RunID {
			tagged = append(tagged, l.ID+" "+l.Status)
		}
	}
	if len(tagged) != 1 || tagged[0] != res.VPCLinkID+" AVAILABLE" {
		t.Errorf("links tagged with the run: %v; want only %s, AVAILABLE", tagged, res.VPCLinkID)
	}
	st, err := acct.GetStage(ctx, res.RestAPIID, res.Stage)
	if err != nil || st.Variables[awsops.StageVarLink] != res.VPCLinkID {
		t.Errorf("stage %+v, %v; want its VPCLink variable on %s", st, err, res.VPCLinkID)
	}
	if st.DeploymentID == before.Resources.DeploymentID {
		t.Errorf("the stage still serves deployment %s; want a new deployment for the new link", st.DeploymentID)
	}
	resp, err := sb.Invoke(res.RestAPIID, res.Stage, sandbox.Request{Method: "GET", Path: "/orders"})
	if err != nil || resp.Status != 200 {
		t.Errorf("GET /orders after resume = %d %s, %v; want 200", resp.Status, resp.Body, err)
	}
	if c, err := steps.CheckRun(ctx, acct, j, "/orders"); err != nil || !c.OK {
		t.Errorf("check after resume: ok %v, broken %q, %v", c.OK, c.Broken, err)
	}
	if all := strings.Join(said, "\n"); !strings.Contains(all, "Replaced VPC link "+old) {
		t.Errorf("the steps said:\n%s\nwant them to say %s was replaced", all, old)
	}

	if err := (&steps.Runner{Account: acct, Store: store}).Rollback(ctx, j, steps.StateDestroyed); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	links, err = acct.ListVPCLinks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range links {
		if l.Tags[awsops.TagRun] == j.RunID {
			t.Errorf("after destroy VPC link %s (%s) of the run is left", l.ID, l.Status)
		}
	}
	if inv := sb.Inventory(); inv.RestAPIs != 0 || inv.LoadBalancers != 0 || inv.TargetGroups != 0 || inv.VPCLinks != 0 {
		t.Errorf("after destroy the account holds %+v; want none of the run's resources", inv)
	}
}

// Undo deletes a link the run superseded but has not deleted yet: a resume stopped right
// after the VPC link step recorded the old link as superseded leaves one.
func TestUndoDeletesASupersededLink(t *testing.T) {
	sb, store, run := startScenario(t, "link-failed")
	acct := sb.Account()
	j, err := store.Load(run.Journal.RunID)
	if err != nil {
		t.Fatal(err)
	}
	old := j.Resources.VPCLinkID
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	r := &steps.Runner{Account: acct, Store: store, Events: func(e steps.Event) {
		// The VPC link step notes that AWS keeps the old link: stop there.
		if e.Step == steps.IDVPCLink && e.Kind == steps.StepNote && strings.Contains(e.Text, "still in use by the stage") {
			once.Do(cancel)
		}
	}}
	if err := r.Apply(ctx, j); err == nil {
		t.Fatal("the stopped resume reported success")
	}
	r.Close()
	if len(j.Resources.SupersededLinks) != 1 || j.Resources.SupersededLinks[0] != old {
		t.Fatalf("superseded links %v; want %s", j.Resources.SupersededLinks, old)
	}
	if err := (&steps.Runner{Account: acct, Store: store}).Rollback(context.Background(), j, steps.StateDestroyed); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	if _, err := acct.GetVPCLink(context.Background(), old); !awsops.IsNotFound(err) {
		t.Errorf("the superseded link %s is still there: %v", old, err)
	}
	if len(j.Resources.SupersededLinks) != 0 {
		t.Errorf("the journal still lists superseded links %v", j.Resources.SupersededLinks)
	}
	if inv := sb.Inventory(); inv.VPCLinks != 0 || inv.RestAPIs != 0 || inv.LoadBalancers != 0 {
		t.Errorf("after destroy the account holds %+v; want none of the run's resources", inv)
	}
}

// A recorded link to another load balancer cannot serve the run: resume makes a link to the
// run's load balancer before it breaks the old one, which the stage still uses, and the
// deploy step deletes the old link once the stage names the new one.
func TestResumeReplacesALinkToAnotherLoadBalancerBeforeBreakingIt(t *testing.T) {
	ctx := context.Background()
	sb, store, run := startScenario(t, "healthy")
	acct := sb.Account()
	j, err := store.Load(run.Journal.RunID)
	if err != nil {
		t.Fatal(err)
	}
	res := j.Resources
	// Someone points the stage at a link to the account's other load balancer and deletes the
	// run's link; the journal names the other link.
	lb, err := acct.CreateLoadBalancer(ctx, "elsewhere-nlb", res.SubnetIDs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := acct.WaitLoadBalancerActive(ctx, lb.ARN, func(string) {}); err != nil {
		t.Fatal(err)
	}
	other := lb.ARN
	foreign, err := acct.CreateVPCLink(ctx, "elsewhere", other, map[string]string{awsops.TagRun: j.RunID})
	if err != nil {
		t.Fatal(err)
	}
	if err := acct.WaitVPCLink(ctx, foreign.ID, func(string) {}); err != nil {
		t.Fatal(err)
	}
	vars := steps.StageVariables(res)
	vars[awsops.StageVarLink] = foreign.ID
	if err := acct.PointStage(ctx, res.RestAPIID, res.Stage, res.DeploymentID, vars); err != nil {
		t.Fatal(err)
	}
	if err := acct.DeleteVPCLink(ctx, res.VPCLinkID); err != nil {
		t.Fatal(err)
	}
	if err := acct.WaitVPCLinkDeleted(ctx, res.VPCLinkID, func(string) {}); err != nil {
		t.Fatal(err)
	}
	j.Resources.VPCLinkID = foreign.ID
	if err := store.Save(j); err != nil {
		t.Fatal(err)
	}

	var said []string
	var mu sync.Mutex
	r := &steps.Runner{Account: acct, Store: store, Events: func(e steps.Event) {
		mu.Lock()
		said = append(said, e.Text)
		mu.Unlock()
	}}
	if err := r.Apply(ctx, j); err != nil {
		t.Fatalf("resume: %v", err)
	}
	r.Close()
	got := j.Resources
	if got.VPCLinkID == foreign.ID || len(got.SupersededLinks) != 0 {
		t.Errorf("after resume: link %s, superseded %v; want a new link and none superseded", got.VPCLinkID, got.SupersededLinks)
	}
	if l, err := acct.GetVPCLink(ctx, got.VPCLinkID); err != nil || l.Status != "AVAILABLE" || !slices.Contains(l.TargetARNs, res.LoadBalancerARN) {
		t.Errorf("new link %+v, %v; want AVAILABLE to the run's load balancer", l, err)
	}
	if _, err := acct.GetVPCLink(ctx, foreign.ID); !awsops.IsNotFound(err) {
		t.Errorf("the replaced link %s is still there: %v", foreign.ID, err)
	}
	all := strings.Join(said, "\n")
	if !strings.Contains(all, "Deleting VPC link "+foreign.ID+", which VPC link "+got.VPCLinkID+" replaced on stage "+res.Stage) {
		t.Errorf("resume said:\n%s\nwant the deploy step to delete %s after the stage moved", all, foreign.ID)
	}
	resp, err := sb.Invoke(res.RestAPIID, res.Stage, sandbox.Request{Method: "GET", Path: "/orders"})
	if err != nil || resp.Status != 200 {
		t.Errorf("GET /orders after resume = %d %s, %v; want 200", resp.Status, resp.Body, err)
	}
}
