package steps

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/vpclink/vpclink/awsops"
)

// AWSCLI returns the AWS CLI commands that would build what the plan describes, for people
// who want to see (or script) each call. Ids not known before the run are shown as
// placeholders in angle brackets.
func AWSCLI(p *Plan, res *Resolution) []string {
	var cmds []string
	add := func(format string, args ...any) { cmds = append(cmds, fmt.Sprintf(format, args...)) }
	run := p.Name + "-<run>"
	tags := "Key=vpclink:run,Value=" + run
	for _, k := range slices.Sorted(maps.Keys(p.Tags)) {
		tags += fmt.Sprintf(" Key=%s,Value=%s", k, p.Tags[k])
	}
	nlb, dns := "<nlb-arn>", "<nlb-dns-name>"
	if res != nil && res.LoadBalancer != nil {
		nlb, dns = res.LoadBalancer.ARN, res.LoadBalancer.DNSName
	}
	// The AWS CLI wants ids: use what the plan's names resolved to, when they have been.
	vpc, subnets, instances := p.VPC, p.Subnets, p.Targets.Instances
	if res != nil {
		vpc, subnets, instances = res.VPC.ID, nil, nil
		for _, sn := range res.Subnets {
			subnets = append(subnets, sn.ID)
		}
		for _, in := range res.Instances {
			instances = append(instances, in.ID)
		}
	}
	if p.LoadBalancer.Existing == "" {
		hc := p.LoadBalancer.HealthCheck
		hcPort := "traffic-port"
		if hc.Port != 0 {
			hcPort = fmt.Sprint(hc.Port)
		}
		add("aws elbv2 create-target-group --name %s-tg --protocol TCP --port %d --vpc-id %s --target-type instance "+
			"--health-check-protocol HTTP --health-check-path %s --health-check-port %s --health-check-interval-seconds %d "+
			"--healthy-threshold-count %d --unhealthy-threshold-count %d --tags %s",
			run, p.Targets.Port, vpc, hc.Path, hcPort, hc.Interval, hc.HealthyThreshold, hc.UnhealthyThreshold, tags)
		add("aws elbv2 create-load-balancer --name %s-nlb --type network --scheme internal --subnets %s --tags %s",
			run, strings.Join(subnets, " "), tags)
		add("aws elbv2 create-listener --load-balancer-arn %s --protocol TCP --port %d --default-actions Type=forward,TargetGroupArn=<target-group-arn>",
			nlb, p.LoadBalancer.Port)
		var targets []string
		for _, id := range instances {
			targets = append(targets, fmt.Sprintf("Id=%s,Port=%d", id, p.Targets.Port))
		}
		add("aws elbv2 register-targets --target-group-arn <target-group-arn> --targets %s", strings.Join(targets, " "))
		add("aws elbv2 wait load-balancer-available --load-balancer-arns %s", nlb)
		src := "<nlb-private-ip>/32"
		if p.SecurityGroups.Mode == ModeVPCCIDR {
			src = "<vpc-cidr>"
			if res != nil {
				src = res.VPC.CIDR
			}
		}
		groups := map[string]bool{}
		if res != nil {
			for _, in := range res.Instances {
				if len(in.SecurityGroups) > 0 {
					groups[in.SecurityGroups[0]] = true
				}
			}
		}
		if len(groups) == 0 {
			groups["<instance-security-group>"] = true
		}
		for _, g := range slices.Sorted(maps.Keys(groups)) {
			for _, port := range IngressPorts(p) {
				add("aws ec2 authorize-security-group-ingress --group-id %s --ip-permissions 'IpProtocol=tcp,FromPort=%d,ToPort=%d,IpRanges=[{CidrIp=%s,Description=vpclink %s}]'",
					g, port, port, src, run)
			}
		}
	}
	link := "<vpc-link-id>"
	if res != nil && res.VPCLink != nil {
		link = res.VPCLink.ID
	} else {
		add("aws apigateway create-vpc-link --name %s-link --target-arns %s --tags vpclink:run=%s", run, nlb, run)
		add("aws apigateway get-vpc-link --vpc-link-id <vpc-link-id>   # repeat until status is AVAILABLE")
	}
	api := p.API.Existing
	if api == "" {
		api = "<rest-api-id>"
		add("aws apigateway create-rest-api --name %s --endpoint-configuration types=%s --tags vpclink:run=%s", apiName(p), p.API.EndpointType, run)
		add("aws apigateway create-resource --rest-api-id %s --parent-id <root-resource-id> --path-part '{proxy+}'", api)
	}
	auth, key := authorization(p)
	for _, m := range p.API.Methods {
		keyFlag := ""
		if key {
			keyFlag = " --api-key-required"
		}
		add("aws apigateway put-method --rest-api-id %s --resource-id <proxy-resource-id> --http-method %s --authorization-type %s%s --request-parameters method.request.path.proxy=true",
			api, m, auth, keyFlag)
		add("aws apigateway put-integration --rest-api-id %s --resource-id <proxy-resource-id> --http-method %s --type HTTP_PROXY --integration-http-method %s "+
			"--connection-type VPC_LINK --connection-id '%s' --uri '%s' --request-parameters integration.request.path.proxy=method.request.path.proxy",
			api, m, m, awsops.IntegrationConnectionID, awsops.ProxyIntegrationURI(ListenerPort(p)))
		// The root / gets the same method, so that the invoke URL itself answers.
		add("aws apigateway put-method --rest-api-id %s --resource-id <root-resource-id> --http-method %s --authorization-type %s%s",
			api, m, auth, keyFlag)
		add("aws apigateway put-integration --rest-api-id %s --resource-id <root-resource-id> --http-method %s --type HTTP_PROXY --integration-http-method %s "+
			"--connection-type VPC_LINK --connection-id '%s' --uri '%s'",
			api, m, m, awsops.IntegrationConnectionID, awsops.RootIntegrationURI(ListenerPort(p)))
	}
	add("aws apigateway create-deployment --rest-api-id %s", api)
	add("aws apigateway create-stage --rest-api-id %s --stage-name %s --deployment-id <deployment-id> --variables %s=%s,%s=%s --tags vpclink:run=%s",
		api, p.Stage.Name, awsops.StageVarLink, link, awsops.StageVarNLB, dns, run)
	s := awsops.StageSettings{LoggingLevel: p.Stage.Logging, RateLimit: p.Stage.Throttling.Rate, BurstLimit: p.Stage.Throttling.Burst}
	if ops := s.PatchOperations(); len(ops) > 0 {
		var parts []string
		for _, op := range ops {
			parts = append(parts, fmt.Sprintf("op=replace,path=%s,value=%s", *op.Path, *op.Value))
		}
		add("aws apigateway update-stage --rest-api-id %s --stage-name %s --patch-operations %s", api, p.Stage.Name, strings.Join(parts, " "))
	}
	if p.API.Authorization == AuthAPIKey {
		add("aws apigateway create-api-key --name %s-key --enabled", run)
		add("aws apigateway create-usage-plan --name %s-key --api-stages apiId=%s,stage=%s", run, api, p.Stage.Name)
		add("aws apigateway create-usage-plan-key --usage-plan-id <usage-plan-id> --key-id <api-key-id> --key-type API_KEY")
	}
	return cmds
}
