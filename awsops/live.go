package awsops

import (
	"context"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
)

// UsagePlan is an API Gateway usage plan with the stages it names and the keys attached to it.
type UsagePlan struct {
	ID     string
	Name   string
	Stages []string // "apiId:stage"
	Keys   []string // API key ids
}

// GetUsagePlan returns one usage plan with its stages and the ids of its keys.
func (a *Account) GetUsagePlan(ctx context.Context, id string) (UsagePlan, error) {
	var out *apigateway.GetUsagePlanOutput
	err := a.pacer().Gateway(ctx, "GetUsagePlan", func() (err error) {
		out, err = a.Gateway.GetUsagePlan(ctx, &apigateway.GetUsagePlanInput{UsagePlanId: aws.String(id)})
		return err
	})
	if err != nil {
		return UsagePlan{}, fmt.Errorf("get usage plan %s: %w", id, err)
	}
	p := UsagePlan{ID: aws.ToString(out.Id), Name: aws.ToString(out.Name)}
	for _, st := range out.ApiStages {
		p.Stages = append(p.Stages, aws.ToString(st.ApiId)+":"+aws.ToString(st.Stage))
	}
	err = a.usagePlanKeys(ctx, id, func(k string) bool {
		p.Keys = append(p.Keys, k)
		return true
	})
	if err != nil {
		return UsagePlan{}, err
	}
	sort.Strings(p.Stages)
	sort.Strings(p.Keys)
	return p, nil
}
