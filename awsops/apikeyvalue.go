package awsops

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
)

// APIKeyValue reads the value of an API key, to send a request as a client would. The value
// is a secret: callers use it for one request and neither print nor store it.
func (a *Account) APIKeyValue(ctx context.Context, id string) (string, error) {
	var out *apigateway.GetApiKeyOutput
	err := a.pacer().Gateway(ctx, "GetApiKey", func() (err error) {
		out, err = a.Gateway.GetApiKey(ctx, &apigateway.GetApiKeyInput{ApiKey: aws.String(id), IncludeValue: aws.Bool(true)})
		return err
	})
	if err != nil {
		return "", fmt.Errorf("get api key %s: %w", id, err)
	}
	return aws.ToString(out.Value), nil
}
