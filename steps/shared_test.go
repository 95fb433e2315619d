package steps_test

import (
	"context"
	"strings"
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
func TestAttachingAnAttachedKeyIsAConflictThatAttachTakesAsDone(t *testing.T) {
	sb := newSandbox(t, "")
	acct := sb.Account()
	store := &steps.Store{Dir: t.TempDir()}
	j, err := apply(t, acct, store, loadPlan(t, "../examples/api-key.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	res := j.Resources
	_, err = acct.Gateway.CreateUsagePlanKey(ctx, &apigateway.CreateUsagePlanKeyInput{UsagePlanId: aws.String(res.UsagePlanID), KeyId: aws.String(res.APIKeyID), KeyType: aws.String("API_KEY")})
	want := "Usage Plan " + res.UsagePlanID + " cannot be added because API Key " + res.APIKeyID + " already exists in this Usage Plan"
	if err == nil || awsops.ErrorCode(err) != "ConflictException" || !strings.Contains(err.Error(), want) {
		t.Errorf("second CreateUsagePlanKey: %v; want ConflictException %q", err, want)
	}
	if err := acct.AttachUsagePlanKey(ctx, res.UsagePlanID, res.APIKeyID); err != nil {
		t.Errorf("attach of an attached key: %v", err)
	}
}
