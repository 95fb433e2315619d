package sandbox

import (
	"context"
	"maps"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
)

// GetApiKey returns one API key, with its value only when includeValue is set, as AWS does.
func (g *gatewayAPI) GetApiKey(_ context.Context, in *apigateway.GetApiKeyInput, _ ...func(*apigateway.Options)) (*apigateway.GetApiKeyOutput, error) {
	out := &apigateway.GetApiKeyOutput{}
	err := g.s.do(svcGateway, "GetApiKey", false, func(st *state, _ time.Time) error {
		k := st.APIKeys[aws.ToString(in.ApiKey)]
		if k == nil {
			return notFound("API Key")
		}
		out.Id, out.Name, out.Enabled, out.Tags = aws.String(k.ID), aws.String(k.Name), true, maps.Clone(k.Tags)
		if aws.ToBool(in.IncludeValue) {
			out.Value = aws.String(k.Value)
		}
		return nil
	})
	return out, err
}
