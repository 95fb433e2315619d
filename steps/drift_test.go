package steps_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	gwtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/steps"
)

func driftOf(t *testing.T, acct *awsops.Account, j *steps.Journal) steps.DriftReport {
	t.Helper()
	r, err := steps.CompareLive(context.Background(), acct, j)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func stateOf(r steps.DriftReport, resource string) steps.DriftState {
	for _, d := range r.Items {
		if d.Resource == resource {
			return d.State
		}
	}
	return ""
}

// What status --live says resume mends, resume mends: after it, nothing drifted.
func TestResumeMendsWhatDriftSaysItMends(t *testing.T) {
	sb, store, j := applyFresh(t, "", "../examples/demo.yaml")
	acct := sb.Account()
	if r := driftOf(t, acct, j); r.Drifted() || r.Next() != steps.NextCheck {
		t.Fatalf("a fresh run drifted: %+v", r.Items)
	}
	ctx := context.Background()
	res := j.Resources
	if err := acct.DeleteListener(ctx, res.ListenerARN); err != nil {
		t.Fatal(err)
	}
	if err := acct.RevokeIngress(ctx, res.Ingress[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := acct.Gateway.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: aws.String(res.RestAPIID), StageName: aws.String(res.Stage),
		PatchOperations: []gwtypes.PatchOperation{{Op: gwtypes.OpReplace, Path: aws.String("/variables/" + awsops.StageVarNLB), Value: aws.String("elsewhere")}}}); err != nil {
		t.Fatal(err)
	}
	r := driftOf(t, acct, j)
	if stateOf(r, "listener") != steps.DriftMissing || stateOf(r, "stage-variables") != steps.DriftChanged || r.Next() != steps.NextResume {
		t.Fatalf("drift = %+v, next %v", r.Items, r.Next())
	}
	kept, err := store.Load(j.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if err := (&steps.Runner{Account: acct, Store: store}).Apply(ctx, kept); err != nil {
		t.Fatalf("resume: %v", err)
	}
	if r := driftOf(t, acct, kept); r.Drifted() {
		t.Errorf("after resume: %+v", r.Items)
	}
}

// An API key deleted by hand is missing, and resume (which keeps a recorded key) does not
// make it again: destroy and apply do.
func TestAMissingAPIKeyIsNotLeftToResume(t *testing.T) {
	sb, _, j := applyFresh(t, "", "../examples/api-key.yaml")
	acct := sb.Account()
	if r := driftOf(t, acct, j); r.Drifted() || stateOf(r, "api-key") != steps.DriftOK || stateOf(r, "usage-plan") != steps.DriftOK {
		t.Fatalf("a fresh run: %+v", r.Items)
	}
	if err := acct.DeleteAPIKey(context.Background(), j.Resources.APIKeyID); err != nil {
		t.Fatal(err)
	}
	r := driftOf(t, acct, j)
	if stateOf(r, "api-key") != steps.DriftMissing || r.Next() != steps.NextRebuild {
		t.Errorf("drift = %+v, next %v", r.Items, r.Next())
	}
}
