package sandbox

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/vpclink/vpclink/awsops"
)

// LegacyRegion is the region whose seed holds the hand-made, half-finished chain.
const LegacyRegion = "us-east-1"

// The hand-made chain's names, as a person following a console guide would pick them.
const (
	LegacyLoadBalancer = "legacy-orders-nlb"
	LegacyTargetGroup  = "legacy-orders-tg"
	LegacyVPCLink      = "legacy-orders-link"
	LegacyRestAPI      = "legacy-orders"
	LegacyStage        = "prod"

	legacyRule = "legacy orders NLB"
)

func (g ids) alnum(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = lowerAlnum[g.r.IntN(len(lowerAlnum))]
	}
	return string(b)
}

// seedLegacyChain adds what someone built by hand in the console an hour before, following
// the guide vpclink automates, and abandoned before the last step: in vpc, an untagged
// internal NLB with a TCP listener on 80 and a target group with the instances registered
// (their group admits the NLB's addresses), a VPC link to it, and a REST API whose
// /{proxy+} ANY calls ${stageVariables.VPCLink} and ${stageVariables.VPCNLB}, deployed to
// stage prod without those variables. The NLB's addresses are high in their subnets, far
// from those a new load balancer gets.
func seedLegacyChain(st *state, g ids, now time.Time, vpcID string, subnets []*subnet, group string, instances []*instance) {
	made := now.Add(-time.Hour)
	id := g.hex(16)
	lb := &loadBalancer{
		ARN:  fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:loadbalancer/net/%s/%s", st.Region, AccountID, LegacyLoadBalancer, id),
		Name: LegacyLoadBalancer, DNS: fmt.Sprintf("%s-%s.elb.%s.amazonaws.com", LegacyLoadBalancer, id, st.Region), VPC: vpcID,
		Created: made, Ready: made.Add(3 * time.Minute), Tags: map[string]string{},
	}
	sg := st.group(group)
	for _, sn := range subnets {
		p := netip.MustParsePrefix(sn.CIDR).Addr().As4()
		p[3] = 250
		ip := netip.AddrFrom4(p).String()
		lb.Subnets = append(lb.Subnets, sn.ID)
		lb.IPs = append(lb.IPs, ip)
		lb.ENIs = append(lb.ENIs, "eni-0"+g.hex(16))
		sg.Ingress = append(sg.Ingress, rule{Protocol: "tcp", From: 80, To: 80, CIDR: ip + "/32", Description: legacyRule})
	}
	st.LoadBalancers[lb.ARN] = lb
	tg := &targetGroup{
		ARN:  fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:targetgroup/%s/%s", st.Region, AccountID, LegacyTargetGroup, g.hex(16)),
		Name: LegacyTargetGroup, Port: 80, VPC: vpcID, HealthPath: "/", HealthPort: "traffic-port",
		Interval: 30, Healthy: 3, Unhealthy: 3, Tags: map[string]string{},
	}
	for _, in := range instances {
		tg.Targets = append(tg.Targets, target{ID: in.ID, Port: 80, Registered: made.Add(5 * time.Minute)})
	}
	st.TargetGroups[tg.ARN] = tg
	l := &listener{ARN: fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:listener/net/%s/%s/%s", st.Region, AccountID, LegacyLoadBalancer, id, g.hex(16)),
		LB: lb.ARN, Port: 80, TargetGroup: tg.ARN, Tags: map[string]string{}, Created: made.Add(4 * time.Minute)}
	st.Listeners[l.ARN] = l
	link := &vpcLink{ID: g.alnum(6), Name: LegacyVPCLink, Targets: []string{lb.ARN}, Ready: made.Add(10 * time.Minute), Tags: map[string]string{}}
	st.VPCLinks[link.ID] = link

	api := &restAPI{ID: g.alnum(10), Name: LegacyRestAPI, Endpoint: "REGIONAL", Created: made.Add(12 * time.Minute), Tags: map[string]string{},
		Resources: map[string]*resource{}, Deployments: map[string]time.Time{}, Stages: map[string]*stage{}}
	root := &resource{ID: g.alnum(10), Path: "/", Methods: map[string]*method{}}
	proxy := &resource{ID: g.alnum(6), Parent: root.ID, PathPart: "{proxy+}", Path: "/{proxy+}", Methods: map[string]*method{
		"ANY": {Auth: "NONE", Params: []string{"method.request.path.proxy"}, Integration: &integration{
			Type: "HTTP_PROXY", HTTPMethod: "ANY", ConnectionType: "VPC_LINK", ConnectionID: awsops.IntegrationConnectionID,
			URI: awsops.IntegrationURI, Params: map[string]string{"integration.request.path.proxy": "method.request.path.proxy"}}},
	}}
	api.Resources[root.ID], api.Resources[proxy.ID] = root, proxy
	dep := g.alnum(6)
	api.Deployments[dep] = made.Add(15 * time.Minute)
	api.Snapshots = map[string]map[string]*resource{dep: cloneResources(api.Resources)}
	api.Stages[LegacyStage] = &stage{Deployment: dep, Variables: map[string]string{}, Settings: map[string]string{}}
	st.RestAPIs[api.ID] = api
}
