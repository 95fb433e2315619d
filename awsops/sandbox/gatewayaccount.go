package sandbox

import (
	"context"
	"regexp"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	gwtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
)

// RegionWithoutLoggingRole is the demo account's region whose API Gateway has no CloudWatch
// Logs role set, as in a new AWS account: a stage's logging cannot be turned on there until
// the role is set. Every other region has the role.
const RegionWithoutLoggingRole = "us-west-1"

// LoggingRoleARN is the CloudWatch Logs role of the demo account's other regions.
const LoggingRoleARN = "arn:aws:iam::" + AccountID + ":role/APIGatewayCloudWatchLogs"

// errNoLoggingRole is AWS's answer to turning on a stage's logging without the role.
const errNoLoggingRole = "CloudWatch Logs role ARN must be set in account settings to enable logging"

// gatewayAccount is API Gateway's settings for the account in the region.
type gatewayAccount struct {
	CloudWatchRoleARN string `json:"cloudwatchRoleArn,omitempty"`
}

// loggingRole is the region's CloudWatch Logs role: the one UpdateAccount set, or the
// region's default (an account saved before settings existed has none stored).
func (st *state) loggingRole() string {
	if st.Gateway != nil {
		return st.Gateway.CloudWatchRoleARN
	}
	if st.Region == RegionWithoutLoggingRole {
		return ""
	}
	return LoggingRoleARN
}

// checkLogging refuses a logging level other than OFF when no CloudWatch Logs role is set.
func (st *state) checkLogging(level string) error {
	if level != "OFF" && st.loggingRole() == "" {
		return badRequest(errNoLoggingRole)
	}
	return nil
}

// roleARN is a role's ARN; AWS's limit of 512 characters for the role's path and name is
// checked apart (roleARNOK), as a counted repetition `{1,512}` compiles to 512 copies of its
// class at every start of vpclink.
var roleARN = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:role/([\w+=,.@/-]+)$`)

// roleARNOK reports whether s is a well-formed role ARN.
func roleARNOK(s string) bool {
	m := roleARN.FindStringSubmatch(s)
	return m != nil && len(m[1]) <= 512
}

// GetAccount returns the account's API Gateway settings in the region.
func (g *gatewayAPI) GetAccount(_ context.Context, _ *apigateway.GetAccountInput, _ ...func(*apigateway.Options)) (*apigateway.GetAccountOutput, error) {
	out := &apigateway.GetAccountOutput{}
	err := g.s.do(svcGateway, "GetAccount", false, func(st *state, _ time.Time) error {
		if arn := st.loggingRole(); arn != "" {
			out.CloudwatchRoleArn = aws.String(arn)
		}
		out.ApiKeyVersion = aws.String("4")
		out.Features = []string{"UsagePlans"}
		return nil
	})
	return out, err
}

// UpdateAccount sets or clears the CloudWatch Logs role, the one setting AWS lets change.
func (g *gatewayAPI) UpdateAccount(_ context.Context, in *apigateway.UpdateAccountInput, _ ...func(*apigateway.Options)) (*apigateway.UpdateAccountOutput, error) {
	out := &apigateway.UpdateAccountOutput{}
	err := g.s.do(svcGateway, "UpdateAccount", true, func(st *state, _ time.Time) error {
		acct := &gatewayAccount{CloudWatchRoleARN: st.loggingRole()}
		for _, op := range in.PatchOperations {
			path, value := aws.ToString(op.Path), aws.ToString(op.Value)
			if path != "/cloudwatchRoleArn" || (op.Op != gwtypes.OpReplace && op.Op != gwtypes.OpRemove) {
				return badRequest("Invalid patch path " + path)
			}
			if op.Op == gwtypes.OpReplace && value != "" && !roleARNOK(value) {
				return badRequest("The role ARN is not well formed")
			}
			if op.Op == gwtypes.OpRemove {
				value = ""
			}
			acct.CloudWatchRoleARN = value
		}
		st.Gateway = acct
		out.CloudwatchRoleArn = aws.String(acct.CloudWatchRoleARN)
		return nil
	})
	return out, err
}
