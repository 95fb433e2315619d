package awsops

import (
	"context"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
)

// ListTargetGroups returns every target group of the region, walking all pages: one listing
// serves a scan of hundreds of load balancers.
func (a *Account) ListTargetGroups(ctx context.Context) ([]TargetGroup, error) {
	var list []TargetGroup
	pages := elb.NewDescribeTargetGroupsPaginator(a.ELB, &elb.DescribeTargetGroupsInput{})
	for pages.HasMorePages() {
		var out *elb.DescribeTargetGroupsOutput
		err := a.pacer().Call(ctx, "elasticloadbalancing:DescribeTargetGroups", func() (err error) {
			out, err = pages.NextPage(ctx)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("describe target groups: %w", err)
		}
		for _, tg := range out.TargetGroups {
			list = append(list, targetGroup(tg))
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	return list, nil
}

// MaxTagARNs is how many resources one DescribeTags call may name.
const MaxTagARNs = 20

// TagsOf returns the tags of many load balancers or target groups by ARN, asking
// DescribeTags for MaxTagARNs at a time.
func (a *Account) TagsOf(ctx context.Context, arns []string) (map[string]map[string]string, error) {
	all := map[string]map[string]string{}
	for start := 0; start < len(arns); start += MaxTagARNs {
		batch := arns[start:min(start+MaxTagARNs, len(arns))]
		var out *elb.DescribeTagsOutput
		err := a.pacer().Call(ctx, "elasticloadbalancing:DescribeTags", func() (err error) {
			out, err = a.ELB.DescribeTags(ctx, &elb.DescribeTagsInput{ResourceArns: batch})
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("describe tags of %d resources: %w", len(batch), err)
		}
		for _, d := range out.TagDescriptions {
			all[aws.ToString(d.ResourceArn)] = tagMap(d.Tags)
		}
	}
	return all, nil
}

// ListStages returns a REST API's stages with their deployments and variables, in one call
// (GetStages is not paged).
func (a *Account) ListStages(ctx context.Context, apiID string) ([]Stage, error) {
	var out *apigateway.GetStagesOutput
	err := a.pacer().Gateway(ctx, "GetStages", func() (err error) {
		out, err = a.Gateway.GetStages(ctx, &apigateway.GetStagesInput{RestApiId: aws.String(apiID)})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("get stages of %s: %w", apiID, err)
	}
	var list []Stage
	for _, s := range out.Item {
		list = append(list, Stage{Name: aws.ToString(s.StageName), DeploymentID: aws.ToString(s.DeploymentId), Variables: s.Variables, Tags: s.Tags,
			Settings: methodSettings(s.MethodSettings)})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	return list, nil
}
