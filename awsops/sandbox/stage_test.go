package sandbox_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	gwtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/awsops/sandbox"
)

// newStage makes a REST API with one integrated method and a stage dev serving it.
func newStage(t *testing.T, acct *awsops.Account) (apiID, deployment string) {
	t.Helper()
	ctx := context.Background()
	api, err := acct.CreateRestAPI(ctx, "t", "REGIONAL", nil)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := acct.ListResources(ctx, api.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := acct.PutRootMethod(ctx, api.ID, rs["/"].ID, awsops.Method{HTTPMethod: "GET", Authorization: "NONE"}, false); err != nil {
		t.Fatal(err)
	}
	dep, err := acct.CreateDeployment(ctx, api.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := acct.CreateStage(ctx, api.ID, "dev", dep, nil, nil); err != nil {
		t.Fatal(err)
	}
	return api.ID, dep
}

func patchStage(acct *awsops.Account, apiID string, ops ...gwtypes.PatchOperation) error {
	_, err := acct.Gateway.UpdateStage(context.Background(), &apigateway.UpdateStageInput{RestApiId: aws.String(apiID), StageName: aws.String("dev"), PatchOperations: ops})
	return err
}

func replace(path, value string) gwtypes.PatchOperation {
	return gwtypes.PatchOperation{Op: gwtypes.OpReplace, Path: aws.String(path), Value: aws.String(value)}
}

// A stage keeps its */* method settings as AWS does: GetStage lists none until one is
// patched, then the */* entry with every field (the unset ones at AWS's defaults), and
// removing /*/* takes them all away; bad values get AWS's errors. (moto, the second
// opinion, lists the */* entry the same way but with its own throttling defaults, 1000/2000
// rather than the account's 10000/5000, and the installed version keeps it after a remove.)
func TestAStageKeepsItsMethodSettingsAsAWSDoes(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	sb, err := sandbox.New(sandbox.Options{Region: "us-east-1", Speed: 0, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	acct := sb.Account()
	apiID, _ := newStage(t, acct)
	get := func() map[string]gwtypes.MethodSetting {
		t.Helper()
		out, err := acct.Gateway.GetStage(ctx, &apigateway.GetStageInput{RestApiId: aws.String(apiID), StageName: aws.String("dev")})
		if err != nil {
			t.Fatal(err)
		}
		return out.MethodSettings
	}
	if ms := get(); len(ms) != 0 {
		t.Errorf("a new stage's methodSettings = %+v; want none", ms)
	}
	err = patchStage(acct, apiID, replace("/*/*/logging/loglevel", "INFO"), replace("/*/*/throttling/rateLimit", "50"),
		replace("/*/*/throttling/burstLimit", "100"), replace("/*/*/metrics/enabled", "true"))
	if err != nil {
		t.Fatal(err)
	}
	ms, ok := get()["*/*"]
	if !ok || aws.ToString(ms.LoggingLevel) != "INFO" || ms.ThrottlingRateLimit != 50 || ms.ThrottlingBurstLimit != 100 || !ms.MetricsEnabled || ms.DataTraceEnabled {
		t.Errorf("*/* after the patch = %+v (present %v); want INFO, 50/100, metrics on, no data trace", ms, ok)
	}
	// Another process sees the same settings.
	again, err := sandbox.New(sandbox.Options{Region: "us-east-1", Speed: 0, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	got, err := again.Account().GetStage(ctx, apiID, "dev")
	if err != nil || got.Settings != (awsops.MethodSettings{Set: true, LoggingLevel: "INFO", Metrics: true, RateLimit: 50, BurstLimit: 100}) {
		t.Errorf("GetStage from another process: %+v, %v", got.Settings, err)
	}

	for name, op := range map[string]gwtypes.PatchOperation{
		"a data trace that is not a boolean": replace("/*/*/logging/dataTrace", "yes"),
		"a burst that is not an integer":     replace("/*/*/throttling/burstLimit", "1.5"),
		"a rate that is not a number":        replace("/*/*/throttling/rateLimit", "fast"),
		"an unknown setting":                 replace("/*/*/caching/bogus", "1"),
	} {
		if err := patchStage(acct, apiID, op); awsops.ErrorCode(err) != "BadRequestException" {
			t.Errorf("%s: err = %v; want BadRequestException", name, err)
		}
	}

	if err := patchStage(acct, apiID, gwtypes.PatchOperation{Op: gwtypes.OpRemove, Path: aws.String("/*/*")}); err != nil {
		t.Fatal(err)
	}
	if ms := get(); len(ms) != 0 {
		t.Errorf("methodSettings after removing /*/* = %+v; want none", ms)
	}
	err = patchStage(acct, apiID, gwtypes.PatchOperation{Op: gwtypes.OpRemove, Path: aws.String("/*/*")})
	if awsops.ErrorCode(err) != "BadRequestException" || awsops.ErrorMessage(err) != "Cannot remove method setting */* because there is no method setting for this method " {
		t.Errorf("removing /*/* twice: %v; want AWS's BadRequestException", err)
	}
}

// Deployments keep their descriptions, and GetDeployments lists them, as AWS does.
func TestDeploymentsAreListedWithTheirDescriptions(t *testing.T) {
	ctx := context.Background()
	sb, err := sandbox.New(sandbox.Options{Region: "us-east-1", Speed: 0})
	if err != nil {
		t.Fatal(err)
	}
	acct := sb.Account()
	apiID, first := newStage(t, acct)
	second, err := acct.CreateDescribedDeployment(ctx, apiID, awsops.DeploymentDescription("orders-3f9a1c"))
	if err != nil {
		t.Fatal(err)
	}
	deps, err := acct.ListDeployments(ctx, apiID)
	if err != nil {
		t.Fatal(err)
	}
	if len(deps) != 2 || deps[0].ID != first || deps[0].Description != "Deployed by vpclink" ||
		deps[1].ID != second || deps[1].Description != "vpclink orders-3f9a1c" {
		t.Errorf("deployments = %+v; want %s (Deployed by vpclink) then %s (vpclink orders-3f9a1c)", deps, first, second)
	}
	if err := acct.DeleteDeployment(ctx, apiID, second); err != nil {
		t.Fatal(err)
	}
	if deps, err := acct.ListDeployments(ctx, apiID); err != nil || len(deps) != 1 {
		t.Errorf("deployments after deleting one = %+v, %v", deps, err)
	}
	if _, err := acct.ListDeployments(ctx, "nosuchapi0"); !awsops.IsNotFound(err) {
		t.Errorf("deployments of a missing API: %v; want not found", err)
	}
}
