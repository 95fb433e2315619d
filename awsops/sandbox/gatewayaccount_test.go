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

type accountUpdater interface {
	UpdateAccount(context.Context, *apigateway.UpdateAccountInput, ...func(*apigateway.Options)) (*apigateway.UpdateAccountOutput, error)
}

func setRole(acct *awsops.Account, arn string) error {
	_, err := acct.Gateway.(accountUpdater).UpdateAccount(context.Background(), &apigateway.UpdateAccountInput{PatchOperations: []gwtypes.PatchOperation{
		{Op: gwtypes.OpReplace, Path: aws.String("/cloudwatchRoleArn"), Value: aws.String(arn)}}})
	return err
}

// A stage's logging needs the account's CloudWatch Logs role, as on AWS: the region without
// one refuses it with AWS's error until UpdateAccount sets it, and the setting persists.
func TestStageLoggingNeedsTheAccountsCloudWatchRole(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	sb, err := sandbox.New(sandbox.Options{Dir: dir, Region: sandbox.RegionWithoutLoggingRole, Speed: 0})
	if err != nil {
		t.Fatal(err)
	}
	acct := sb.Account()
	if got, err := acct.GetGatewayAccount(ctx); err != nil || got.CloudWatchRoleARN != "" {
		t.Fatalf("GetAccount in %s = %+v, %v; want no role", sandbox.RegionWithoutLoggingRole, got, err)
	}
	apiID, _ := newStage(t, acct)
	err = acct.UpdateStageSettings(ctx, apiID, "dev", awsops.StageSettings{LoggingLevel: "INFO"})
	if awsops.ErrorCode(err) != "BadRequestException" || awsops.ErrorMessage(err) != "CloudWatch Logs role ARN must be set in account settings to enable logging" {
		t.Fatalf("logging without the role: %v", err)
	}
	if err := acct.UpdateStageSettings(ctx, apiID, "dev", awsops.StageSettings{RateLimit: 10, BurstLimit: 20}); err != nil {
		t.Errorf("throttling needs no role: %v", err)
	}
	if err := setRole(acct, "not-an-arn"); awsops.ErrorCode(err) != "BadRequestException" {
		t.Errorf("a malformed role ARN: %v", err)
	}
	if err := setRole(acct, sandbox.LoggingRoleARN); err != nil {
		t.Fatal(err)
	}
	again, err := sandbox.New(sandbox.Options{Dir: dir, Region: sandbox.RegionWithoutLoggingRole, Speed: 0})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := again.Account().GetGatewayAccount(ctx); err != nil || got.CloudWatchRoleARN != sandbox.LoggingRoleARN {
		t.Errorf("GetAccount after UpdateAccount, from another process = %+v, %v", got, err)
	}
	if err := again.Account().UpdateStageSettings(ctx, apiID, "dev", awsops.StageSettings{LoggingLevel: "INFO"}); err != nil {
		t.Errorf("logging with the role: %v", err)
	}

	other, err := sandbox.New(sandbox.Options{Region: "us-east-1", Speed: 0})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := other.Account().GetGatewayAccount(ctx); err != nil || got.CloudWatchRoleARN != sandbox.LoggingRoleARN {
		t.Errorf("GetAccount in us-east-1 = %+v, %v; want the role", got, err)
	}
}
