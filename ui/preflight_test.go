package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/vpclink/vpclink/awsops/sandbox"
	"github.com/vpclink/vpclink/steps"
)

// A plan with logging, in the demo account's region without a CloudWatch Logs role, is
// refused before anything is created, with the commands that set the role.
func TestApplyWithLoggingAndNoRoleStopsAtPreflight(t *testing.T) {
	sb, err := sandbox.New(sandbox.Options{Speed: 0, Region: sandbox.RegionWithoutLoggingRole})
	if err != nil {
		t.Fatal(err)
	}
	p, err := steps.LoadPlan("../examples/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p.Stage.Logging = "INFO"
	before := sb.Inventory()
	store := &steps.Store{Dir: t.TempDir()}
	var out, errOut bytes.Buffer
	c := &CLI{Out: &out, Err: &errOut, In: strings.NewReader(""), Yes: true, Keep: true, JSON: true, Demo: true}
	code := c.Apply(context.Background(), sb.Account(), store, p, "")

	if code != ExitFailed {
		t.Errorf("exit %d, want %d (not a usage error)\n%s", code, ExitFailed, errOut.String())
	}
	for _, want := range []string{
		"✘ " + steps.CheckLoggingRole,
		"aws iam create-role --role-name APIGatewayCloudWatchLogs",
		"apigateway.amazonaws.com",
		"arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
		"aws apigateway update-account --region us-west-1 --patch-operations op=replace,path=/cloudwatchRoleArn,value=arn:aws:iam::" + sandbox.AccountID + ":role/APIGatewayCloudWatchLogs",
		"set stage.logging to OFF",
		"Stopped before creating anything",
	} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
		}
	}
	if runs, err := store.List(); err != nil || len(runs) != 0 {
		t.Errorf("runs = %d (%v), want none: the build must not start", len(runs), err)
	}
	if inv := sb.Inventory(); inv != before {
		t.Errorf("inventory = %+v, want %+v: nothing created", inv, before)
	}
	var s Summary
	if err := json.Unmarshal(out.Bytes(), &s); err != nil {
		t.Fatalf("json: %v\n%s", err, out.String())
	}
	if s.State != "preflight-failed" || len(s.Preflight.Failed()) != 1 || s.Preflight.Failed()[0].Name != steps.CheckLoggingRole {
		t.Errorf("summary = %+v", s)
	}
}

// A kept run resumed after the region filled its VPC link quota is refused before it
// creates anything more, naming the quota.
func TestResumeStopsAtPreflightWhenTheQuotaIsReached(t *testing.T) {
	sb, err := sandbox.New(sandbox.Options{Speed: 0, Faults: "CreateVpcLink:1", ForeignTargets: true})
	if err != nil {
		t.Fatal(err)
	}
	acct := sb.Account()
	p, err := steps.LoadPlan("../examples/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	store := &steps.Store{Dir: t.TempDir()}
	var out, errOut bytes.Buffer
	c := &CLI{Out: &out, Err: &errOut, In: strings.NewReader(""), Yes: true, Keep: true, Demo: true}
	if code := c.Apply(context.Background(), acct, store, p, ""); code != ExitFailed {
		t.Fatalf("apply with CreateVpcLink failing: exit %d\n%s", code, errOut.String())
	}
	runs, err := store.List()
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs: %d, %v", len(runs), err)
	}
	for i := range steps.VPCLinkQuota {
		lb := "arn:aws:elasticloadbalancing:us-east-1:" + sandbox.AccountID + ":loadbalancer/net/other/" + strings.Repeat("0", 15) + string(rune('a'+i))
		if _, err := acct.CreateVPCLink(context.Background(), "other", lb, nil); err != nil {
			t.Fatal(err)
		}
	}
	before := sb.Inventory()
	errOut.Reset()
	code := c.Resume(context.Background(), acct, store, runs[0].RunID)
	if code != ExitFailed || !strings.Contains(errOut.String(), "✘ "+steps.CheckVPCLinkQuota) || !strings.Contains(errOut.String(), "Service Quotas") {
		t.Errorf("resume: exit %d\n%s", code, errOut.String())
	}
	if inv := sb.Inventory(); inv != before {
		t.Errorf("inventory = %+v, want %+v: resume created something", inv, before)
	}
}
