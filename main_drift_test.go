package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	gwtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/steps"
)

// driftOutput is what status --live --output json prints.
type driftOutput struct {
	RunID string `json:"runId"`
	Drift []struct {
		Resource, ID, State, Detail string
	} `json:"drift"`
	Next string `json:"next"`
}

// live runs status RUN --live --output json and returns its exit code and output.
func live(t *testing.T, state, runID string) (int, driftOutput) {
	t.Helper()
	code, out, errOut := vpclink(t, "status", "--demo", "--state-dir", state, runID, "--live", "--output", "json")
	var d driftOutput
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("status --live: exit %d, %v\n%s\n%s", code, err, out, errOut)
	}
	return code, d
}

// stateOf returns the state and detail status --live gave one resource ("" when it is not listed).
func (d driftOutput) stateOf(resource, id string) (string, string) {
	for _, x := range d.Drift {
		if x.Resource == resource && x.ID == id {
			return x.State, x.Detail
		}
	}
	return "", ""
}

// Each change made by hand to a healthy run is named with its state, one after the other,
// as the demo account (strict where AWS is) lets them be made. moto, the second opinion
// (moto 5.2, the same six changes made with boto3), names the same six, and differs in
// three places: its DeleteVpcLink deletes a link that a stage variable still names (AWS and
// the demo account refuse), it has no UpdateIntegration (PutIntegration is used here, which
// both have), and it drops an integration's connectionId, which status --live then says it
// cannot compare. .ci/moto-e2e.sh checks that a fresh apply has not drifted on moto.
func TestStatusLiveNamesWhatDriftedSinceTheRun(t *testing.T) {
	t.Setenv("VPCLINK_DEMO_SPEED", "0")
	state := t.TempDir()
	s := summary(t, "apply", "--demo", "--state-dir", state, "-f", "examples/demo.yaml", "--yes", "--output", "json")
	if s["exit"] != "0" {
		t.Fatalf("apply: %v", s)
	}
	runID := s["runId"]

	// A healthy run: nothing drifted.
	code, d := live(t, state, runID)
	if code != 0 || d.RunID != runID || !strings.Contains(d.Next, "Nothing drifted") || !strings.Contains(d.Next, "vpclink check") {
		t.Fatalf("healthy run: exit %d, %+v", code, d)
	}
	for _, x := range d.Drift {
		if x.State != "ok" {
			t.Errorf("healthy run: %s %s is %s: %s", x.Resource, x.ID, x.State, x.Detail)
		}
	}
	rows := map[string]bool{}
	for _, x := range d.Drift {
		rows[x.Resource] = true
	}
	for _, r := range []string{"target-group", "load-balancer", "listener", "target", "ingress-rule", "vpc-link", "rest-api", "resource", "method", "deployment", "stage", "stage-variables", "stage-settings"} {
		if !rows[r] {
			t.Errorf("healthy run: no %s row", r)
		}
	}
	code, out, _ := vpclink(t, "status", "--demo", "--state-dir", state, runID, "--live")
	if code != 0 || !strings.Contains(out, "RESOURCE") || !strings.Contains(out, "Nothing drifted; `vpclink check --demo") {
		t.Errorf("text output: exit %d\n%s", code, out)
	}

	j, err := (&steps.Store{Dir: filepath.Join(state, "demo")}).Load(runID)
	if err != nil {
		t.Fatal(err)
	}
	res := j.Resources
	acct := demoSandbox(t, state, j.Region).Account()
	ctx := context.Background()

	// The listener, deleted.
	if _, err := acct.ELB.DeleteListener(ctx, &elb.DeleteListenerInput{ListenerArn: aws.String(res.ListenerARN)}); err != nil {
		t.Fatal(err)
	}
	code, d = live(t, state, runID)
	if st, _ := d.stateOf("listener", res.ListenerARN); code != 1 || st != "missing" || !strings.Contains(d.Next, "vpclink resume") {
		t.Fatalf("listener deleted: exit %d, listener %q, next %q", code, st, d.Next)
	}

	// An ingress rule, revoked.
	rule := res.Ingress[0]
	if _, err := acct.EC2.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(rule.GroupID),
		IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String(rule.Protocol), FromPort: aws.Int32(rule.FromPort), ToPort: aws.Int32(rule.ToPort),
			IpRanges: []ec2types.IpRange{{CidrIp: aws.String(rule.CIDR)}}}}}); err != nil {
		t.Fatal(err)
	}
	_, d = live(t, state, runID)
	ruleID := rule.GroupID + " tcp 80 " + rule.CIDR
	if st, _ := d.stateOf("ingress-rule", ruleID); st != "missing" {
		t.Errorf("rule revoked: ingress-rule %s is %q", ruleID, st)
	}
	if st, _ := d.stateOf("ingress-rule", res.Ingress[1].GroupID+" tcp 80 "+res.Ingress[1].CIDR); st != "ok" {
		t.Errorf("rule revoked: the other rule is %q", st)
	}

	// A stage variable, removed.
	if _, err := acct.Gateway.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: aws.String(res.RestAPIID), StageName: aws.String(res.Stage),
		PatchOperations: []gwtypes.PatchOperation{{Op: gwtypes.OpRemove, Path: aws.String("/variables/" + awsops.StageVarNLB)}}}); err != nil {
		t.Fatal(err)
	}
	_, d = live(t, state, runID)
	if st, detail := d.stateOf("stage-variables", res.Stage); st != "changed" || detail != "VPCNLB "+res.LoadBalancerDNS+" → (none)" {
		t.Errorf("stage variable removed: %q %q", st, detail)
	}

	// The integration of GET /{proxy+}, sent to another port.
	rs, err := acct.ListResources(ctx, res.RestAPIID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := acct.Gateway.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: aws.String(res.RestAPIID), ResourceId: aws.String(rs["/{proxy+}"].ID),
		HttpMethod: aws.String("GET"), Type: gwtypes.IntegrationTypeHttpProxy, IntegrationHttpMethod: aws.String("GET"),
		ConnectionType: gwtypes.ConnectionTypeVpcLink, ConnectionId: aws.String(awsops.IntegrationConnectionID), Uri: aws.String(awsops.ProxyIntegrationURI(8080)),
		RequestParameters: map[string]string{"integration.request.path.proxy": "method.request.path.proxy"}}); err != nil {
		t.Fatal(err)
	}
	_, d = live(t, state, runID)
	want := "uri " + awsops.ProxyIntegrationURI(80) + " → " + awsops.ProxyIntegrationURI(8080)
	if st, detail := d.stateOf("method", "GET /{proxy+}"); st != "changed" || detail != want {
		t.Errorf("integration changed: %q %q, want changed %q", st, detail, want)
	}
	if st, _ := d.stateOf("method", "POST /{proxy+}"); st != "ok" {
		t.Errorf("integration changed: POST /{proxy+} is %q", st)
	}
	// resume leaves an integrated method as it is.
	if strings.Contains(d.Next, "makes again") || !strings.Contains(d.Next, "vpclink destroy") {
		t.Errorf("integration changed: next %q", d.Next)
	}

	// The VPC link, deleted: the stage variable that names it blocks that first.
	if _, err := acct.Links.DeleteVpcLink(ctx, &apigateway.DeleteVpcLinkInput{VpcLinkId: aws.String(res.VPCLinkID)}); err == nil || !strings.Contains(err.Error(), "in format of [RESTApiId:Method:Resource:Stage]") {
		t.Fatalf("deleting a VPC link a stage names: %v", err)
	}
	if _, err := acct.Gateway.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: aws.String(res.RestAPIID), StageName: aws.String(res.Stage),
		PatchOperations: []gwtypes.PatchOperation{{Op: gwtypes.OpRemove, Path: aws.String("/variables/" + awsops.StageVarLink)}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := acct.Links.DeleteVpcLink(ctx, &apigateway.DeleteVpcLinkInput{VpcLinkId: aws.String(res.VPCLinkID)}); err != nil {
		t.Fatal(err)
	}
	_, d = live(t, state, runID)
	if st, _ := d.stateOf("vpc-link", res.VPCLinkID); st != "missing" {
		t.Errorf("link deleted: vpc-link is %q", st)
	}

	// A second VPC link, tagged with the run.
	extra, err := acct.CreateVPCLink(ctx, "by-hand", res.LoadBalancerARN, map[string]string{awsops.TagRun: runID})
	if err != nil {
		t.Fatal(err)
	}
	code, d = live(t, state, runID)
	if st, _ := d.stateOf("vpc-link", extra.ID); code != 1 || st != "extra" || !strings.Contains(d.Next, "extra copies included") {
		t.Errorf("extra link: exit %d, %q, next %q", code, st, d.Next)
	}
	code, out, _ = vpclink(t, "status", "--demo", "--state-dir", state, runID, "--live")
	if code != 1 || !strings.Contains(out, "extra") || !strings.Contains(out, "`vpclink destroy --demo") {
		t.Errorf("text output: exit %d\n%s", code, out)
	}
}

func TestStatusLiveUsageErrors(t *testing.T) {
	state := t.TempDir()
	for _, args := range [][]string{
		{"status", "--demo", "--state-dir", state, "--live"},
		{"apply", "--demo", "--state-dir", state, "-f", "examples/demo.yaml", "--live"},
		{"status", "--demo", "--state-dir", state, "orders-000000", "--live"},
	} {
		if code, _, errOut := vpclink(t, args...); code != 2 || errOut == "" {
			t.Errorf("%v: exit %d, %s", args, code, errOut)
		}
	}
}
