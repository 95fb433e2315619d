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
