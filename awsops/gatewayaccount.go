package awsops

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
)

// GatewayAccount is API Gateway's settings for the account in one region.
type GatewayAccount struct {
	// CloudWatchRoleARN is the role API Gateway assumes to write logs; empty means none is
	// set, and a stage's logging cannot be turned on.
	CloudWatchRoleARN string
}

// GetGatewayAccount returns API Gateway's account settings in the account's region.
func (a *Account) GetGatewayAccount(ctx context.Context) (GatewayAccount, error) {
	var out *apigateway.GetAccountOutput
	err := a.pacer().Gateway(ctx, "GetAccount", func() (err error) {
		out, err = a.Gateway.GetAccount(ctx, &apigateway.GetAccountInput{})
		return err
	})
	if err != nil {
		return GatewayAccount{}, fmt.Errorf("get api gateway account settings in %s: %w", a.Region, err)
	}
	return GatewayAccount{CloudWatchRoleARN: aws.ToString(out.CloudwatchRoleArn)}, nil
}
