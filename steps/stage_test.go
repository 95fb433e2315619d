package steps_test

import (
	"context"
	"fmt"
	"maps"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	gwtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/steps"
)

// rawStage is a stage as API Gateway's GetStage answers.
func rawStage(t *testing.T, acct *awsops.Account, apiID, name string) *apigateway.GetStageOutput {
	t.Helper()
	out, err := acct.Gateway.GetStage(context.Background(), &apigateway.GetStageInput{RestApiId: aws.String(apiID), StageName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// deployments are the ids of a REST API's deployments, as GetDeployments lists them.
func deployments(t *testing.T, acct *awsops.Account, apiID string) []string {
	t.Helper()
	out, err := acct.Gateway.GetDeployments(context.Background(), &apigateway.GetDeploymentsInput{RestApiId: aws.String(apiID)})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range out.Items {
		ids = append(ids, aws.ToString(d.Id))
	}
	return ids
}

// reusePlan is a plan that adds ANY to the REST API and stage of an earlier run, through
// its load balancer.
func reusePlan(t *testing.T, first *steps.Journal, stage string) *steps.Plan {
	t.Helper()
	p, err := steps.ParsePlan("reuse", []byte(fmt.Sprintf(
		"name: reuse\nvpc: prod-vpc\nloadBalancer: {existing: %s}\napi: {existing: %s, methods: [ANY]}\nstage: %s\n",
		awsops.ResourceName(first.Resources.LoadBalancerARN), first.Resources.RestAPIID, stage)))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A stage that was there before the run is given back exactly as it was, logging and
// throttling included, and the plan's logging OFF turns its logging off while the run lasts.
func TestARollbackPutsAReusedStageBackAsItWas(t *testing.T) {
	ctx := context.Background()
	sb := newSandbox(t, "")
	acct := sb.Account()
	first, err := apply(t, acct, nil, loadPlan(t, "../examples/demo.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	api := first.Resources.RestAPIID
	// The stage's owner logs at INFO and throttles it to 50 requests a second, bursts of 100.
	_, err = acct.Gateway.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: aws.String(api), StageName: aws.String("dev"),
		PatchOperations: []gwtypes.PatchOperation{
			{Op: gwtypes.OpReplace, Path: aws.String("/*/*/logging/loglevel"), Value: aws.String("INFO")},
			{Op: gwtypes.OpReplace, Path: aws.String("/*/*/throttling/rateLimit"), Value: aws.String("50")},
			{Op: gwtypes.OpReplace, Path: aws.String("/*/*/throttling/burstLimit"), Value: aws.String("100")},
		}})
	if err != nil {
		t.Fatal(err)
	}
	before := rawStage(t, acct, api, "dev")
	snapshot := sb.Snapshot()

	second, err := apply(t, acct, nil, reusePlan(t, first, `{name: dev, logging: "OFF", throttling: {rate: 10, burst: 20}}`))
	if err != nil {
		t.Fatalf("apply with reuse: %v", err)
	}
	during := rawStage(t, acct, api, "dev").MethodSettings["*/*"]
	if aws.ToString(during.LoggingLevel) != "OFF" || during.ThrottlingRateLimit != 10 || during.ThrottlingBurstLimit != 20 {
		t.Errorf("the reused stage's settings = logging %s, throttling %g/%d; want the plan's OFF and 10/20",
			aws.ToString(during.LoggingLevel), during.ThrottlingRateLimit, during.ThrottlingBurstLimit)
	}
	if err := (&steps.Runner{Account: acct}).Rollback(ctx, second, steps.StateRolledBack); err != nil {
		t.Fatalf("rollback: %v", err)
	}
	after := rawStage(t, acct, api, "dev")
	was, is := before.MethodSettings["*/*"], after.MethodSettings["*/*"]
	if aws.ToString(is.LoggingLevel) != "INFO" || is.ThrottlingRateLimit != 50 || is.ThrottlingBurstLimit != 100 ||
		is.DataTraceEnabled != was.DataTraceEnabled || is.MetricsEnabled != was.MetricsEnabled {
		t.Errorf("after the rollback the stage logs %s, throttles %g/%d; want INFO and 50/100 as before",
			aws.ToString(is.LoggingLevel), is.ThrottlingRateLimit, is.ThrottlingBurstLimit)
	}
	if aws.ToString(after.DeploymentId) != aws.ToString(before.DeploymentId) || !maps.Equal(after.Variables, before.Variables) {
		t.Errorf("after the rollback the stage serves %s with %v; want %s with %v",
			aws.ToString(after.DeploymentId), after.Variables, aws.ToString(before.DeploymentId), before.Variables)
	}
	if sb.Snapshot() != snapshot {
		t.Errorf("the account differs after rolling back the run that reused the stage")
	}
}

// A crash between CreateDeployment and the journal's record of it leaves the deployment
// unrecorded: resume adopts it by its description instead of making a second one.
func TestResumeAdoptsADeploymentWhoseIDWasNotRecorded(t *testing.T) {
	ctx := context.Background()
	sb := newSandbox(t, "CreateStage")
	acct := sb.Account()
	store := &steps.Store{Dir: t.TempDir()}
	j, err := apply(t, acct, store, loadPlan(t, "../examples/demo.yaml"))
	if err == nil {
		t.Fatal("apply succeeded despite the injected failure")
	}
	crashAfterCreate(t, store, j.RunID, func(r *steps.Resources) { r.DeploymentID = "" })
	kept, err := store.Load(j.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if err := (&steps.Runner{Account: acct, Store: store}).Apply(ctx, kept); err != nil {
		t.Fatalf("resume: %v", err)
	}
	if deps := deployments(t, acct, kept.Resources.RestAPIID); len(deps) != 1 || deps[0] != kept.Resources.DeploymentID {
		t.Errorf("deployments after resume = %v, recorded %s; want the one deployment, recorded", deps, kept.Resources.DeploymentID)
	}
}

// crashAfterCreate edits a saved journal back to what it held when a create had returned
// but its id was not yet recorded: what a crash (SIGKILL) at that moment leaves.
func crashAfterCreate(t *testing.T, store *steps.Store, runID string, forget func(*steps.Resources)) {
	t.Helper()
	j, err := store.Load(runID)
	if err != nil {
		t.Fatal(err)
	}
	forget(&j.Resources)
	if err := store.Save(j); err != nil {
		t.Fatal(err)
	}
}

// On a reused API, a deployment or a /{proxy+} whose id never reached the journal is still
// the run's: resume adopts it, and destroy (with or without a resume first) removes it,
// leaving the API as it was.
func TestUnrecordedCreatesOnAReusedAPIAreTheRunsAndGoWithIt(t *testing.T) {
	for name, tc := range map[string]struct {
		resume bool
		// fault stops the run right after the create; forget drops the create's id.
		fault  string
		forget func(*steps.Resources)
		setup  func(t *testing.T, acct *awsops.Account) *steps.Plan
	}{
		"a deployment to a stage that was there, then destroy": {
			fault: "UpdateStage:2", forget: func(r *steps.Resources) { r.DeploymentID = "" }, setup: stageOfAnotherRun,
		},
		"a deployment to a stage that was there, then resume and destroy": {
			resume: true, fault: "UpdateStage:2", forget: func(r *steps.Resources) { r.DeploymentID = "" }, setup: stageOfAnotherRun,
		},
		"a /{proxy+}, then destroy": {
			fault: "PutMethod", forget: func(r *steps.Resources) { r.ProxyResourceID = "" }, setup: apiWithoutProxy,
		},
		"a /{proxy+}, then resume and destroy": {
			resume: true, fault: "PutMethod", forget: func(r *steps.Resources) { r.ProxyResourceID = "" }, setup: apiWithoutProxy,
		},
		"a stage and its deployment, then destroy": {
			fault: "UpdateStage", forget: func(r *steps.Resources) { r.Stage, r.DeploymentID = "", "" }, setup: apiWithoutProxyThrottled,
		},
		"a stage and its deployment, then resume and destroy": {
			resume: true, fault: "UpdateStage", forget: func(r *steps.Resources) { r.Stage, r.DeploymentID = "", "" }, setup: apiWithoutProxyThrottled,
		},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			sb := newSandbox(t, tc.fault)
			acct := sb.Account()
			p := tc.setup(t, acct)
			before := sb.Snapshot()
			store := &steps.Store{Dir: t.TempDir()}
			j, err := apply(t, acct, store, p)
			if err == nil {
				t.Fatal("apply succeeded despite the injected failure")
			}
			crashAfterCreate(t, store, j.RunID, tc.forget)
			kept, err := store.Load(j.RunID)
			if err != nil {
				t.Fatal(err)
			}
			runner := &steps.Runner{Account: acct, Store: store}
			api := kept.Resources.RestAPIID
			if tc.resume {
				before := len(deployments(t, acct, api))
				if err := runner.Apply(ctx, kept); err != nil {
					t.Fatalf("resume: %v", err)
				}
				rs, err := acct.ListResources(ctx, api)
				if err != nil {
					t.Fatal(err)
				}
				if kept.Resources.ProxyResourceID != rs["/{proxy+}"].ID && tc.fault == "PutMethod" {
					t.Errorf("resume recorded /{proxy+} %q; want the one the crashed attempt made, %s", kept.Resources.ProxyResourceID, rs["/{proxy+}"].ID)
				}
				if after := len(deployments(t, acct, api)); tc.fault != "PutMethod" && after != before {
					t.Errorf("resume made %d more deployment(s); want the unrecorded one adopted", after-before)
				}
			}
			if err := runner.Rollback(ctx, kept, steps.StateDestroyed); err != nil {
				t.Fatalf("destroy: %v", err)
			}
			if rs, _ := acct.ListResources(ctx, api); tc.fault == "PutMethod" && rs["/{proxy+}"].ID != "" {
				t.Errorf("destroy left /{proxy+} (%s) on the reused API", rs["/{proxy+}"].ID)
			}
			if sb.Snapshot() != before {
				t.Errorf("the account differs after destroy: deployments %v", deployments(t, acct, api))
			}
		})
	}
}

// stageOfAnotherRun builds the demo chain and returns a plan that deploys ANY to its stage.
func stageOfAnotherRun(t *testing.T, acct *awsops.Account) *steps.Plan {
	t.Helper()
	first, err := apply(t, acct, nil, loadPlan(t, "../examples/demo.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return reusePlan(t, first, "{name: dev}")
}

// apiWithoutProxy makes a REST API with nothing but its root and returns a plan that adds
// the demo chain to it.
func apiWithoutProxy(t *testing.T, acct *awsops.Account) *steps.Plan {
	t.Helper()
	return apiWithoutProxyStage(t, acct, "{name: dev}")
}

// apiWithoutProxyThrottled is apiWithoutProxy with a throttled stage: the throttling is
// the call after the stage is made.
func apiWithoutProxyThrottled(t *testing.T, acct *awsops.Account) *steps.Plan {
	t.Helper()
	return apiWithoutProxyStage(t, acct, "{name: dev, throttling: {rate: 10, burst: 20}}")
}

func apiWithoutProxyStage(t *testing.T, acct *awsops.Account, stage string) *steps.Plan {
	t.Helper()
	api, err := acct.CreateRestAPI(context.Background(), "shop", "REGIONAL", nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := steps.ParsePlan("shop", []byte(fmt.Sprintf(`name: shop
vpc: prod-vpc
subnets: [prod-private-a, prod-private-b]
loadBalancer: {port: 80}
targets: {instances: [orders-api-1, orders-api-2], port: 80}
api: {existing: %s, methods: [GET]}
stage: %s
`, api.ID, stage)))
	if err != nil {
		t.Fatal(err)
	}
	return p
}
