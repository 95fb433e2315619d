package steps_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	gwtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/sivchari/kumo"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/awsops/sandbox"
	"github.com/vpclink/vpclink/steps"
)

// wire records the body of every request sent to the emulator, by method and path, so a
// test can check what went on the wire even where the emulator drops a field.
type wire struct {
	mu    sync.Mutex
	sent  []sentRequest
	inner http.RoundTripper
}

type sentRequest struct {
	method, path string
	body         []byte
}

func (w *wire) Do(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	w.mu.Lock()
	w.sent = append(w.sent, sentRequest{req.Method, req.URL.Path, body})
	w.mu.Unlock()
	return w.inner.RoundTrip(req)
}

// find returns the JSON bodies of requests whose method matches and path ends with suffix.
func (w *wire) find(t *testing.T, method, suffix string) []map[string]any {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []map[string]any
	for _, r := range w.sent {
		if r.method == method && strings.HasSuffix(r.path, suffix) {
			m := map[string]any{}
			if err := json.Unmarshal(r.body, &m); err != nil {
				t.Fatalf("%s %s: body %q is not JSON: %v", method, r.path, r.body, err)
			}
			out = append(out, m)
		}
	}
	return out
}

// kumoWorld is an account in the kumo emulator with one VPC, two subnets, two instances and
// their security group, as an admin's account would have before running vpclink.
type kumoWorld struct {
	acct      *awsops.Account
	wire      *wire
	ec2       *ec2.Client
	elb       *elb.Client
	gw        *apigateway.Client
	vpcID     string
	subnets   []string
	instances []string
	groupID   string
}

func newKumoWorld(t *testing.T) *kumoWorld {
	t.Helper()
	srv := kumo.NewServer()
	t.Cleanup(srv.Close)
	rec := &wire{inner: http.DefaultTransport}
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""), HTTPClient: rec}
	acct := awsops.FromConfig(cfg, srv.URL, "")
	// kumo has no VPC links: the sandbox's stand in for CreateVpcLink, GetVpcLink and
	// DeleteVpcLink, accepting kumo's load balancer ARNs.
	sb, err := sandbox.New(sandbox.Options{Speed: 0, ForeignTargets: true})
	if err != nil {
		t.Fatal(err)
	}
	acct.Links = sb.Links()
	w := &kumoWorld{acct: acct, wire: rec, ec2: acct.EC2.(*ec2.Client), elb: acct.ELB.(*elb.Client), gw: acct.Gateway.(*apigateway.Client)}

	ctx := context.Background()
	vpc, err := w.ec2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.20.0.0/16"),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVpc, Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("shop-vpc")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	w.vpcID = aws.ToString(vpc.Vpc.VpcId)
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		sn, err := w.ec2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String([]string{"10.20.1.0/24", "10.20.2.0/24"}[i]), AvailabilityZone: aws.String(az)})
		if err != nil {
			t.Fatal(err)
		}
		w.subnets = append(w.subnets, aws.ToString(sn.Subnet.SubnetId))
	}
	sg, err := w.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("shop-sg"), Description: aws.String("shop"), VpcId: vpc.Vpc.VpcId})
	if err != nil {
		t.Fatal(err)
	}
	w.groupID = aws.ToString(sg.GroupId)
	run, err := w.ec2.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-12345678"), MinCount: aws.Int32(2), MaxCount: aws.Int32(2), SecurityGroupIds: []string{w.groupID}})
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range run.Instances {
		w.instances = append(w.instances, aws.ToString(i.InstanceId))
	}
	return w
}

func TestCallsAreWellFormedOnTheWire(t *testing.T) {
	w := newKumoWorld(t)
	ctx := context.Background()
	p := &steps.Plan{
		Name: "shop", VPC: "shop-vpc", Subnets: w.subnets,
		LoadBalancer:   steps.LoadBalancerPlan{Port: 8080, HealthCheck: steps.HealthCheckPlan{Path: "/health", Interval: 10}},
		Targets:        steps.TargetsPlan{Instances: w.instances, Port: 8080},
		SecurityGroups: steps.SecurityGroupsPlan{Mode: steps.ModeVPCCIDR}, // kumo lists no NLB network interfaces
		API:            steps.APIPlan{Methods: []string{"GET", "POST"}},
		Stage:          steps.StagePlan{Name: "live"}, // kumo has no UpdateStage: no logging or throttling
		Tags:           map[string]string{"team": "shop"},
	}
	p.Defaults()
	if errs := p.Validate(); len(errs) > 0 {
		t.Fatal(errs)
	}
	j, err := apply(t, w.acct, &steps.Store{Dir: t.TempDir()}, p)
	if err != nil {
		t.Fatalf("apply on kumo: %v", err)
	}
	res := j.Resources

	lbs, err := w.elb.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{res.LoadBalancerARN}})
	if err != nil {
		t.Fatal(err)
	}
	lb := lbs.LoadBalancers[0]
	var lbSubnets []string
	for _, az := range lb.AvailabilityZones {
		lbSubnets = append(lbSubnets, aws.ToString(az.SubnetId))
	}
	slices.Sort(lbSubnets)
	// kumo does not tie subnets to their VPC, so the load balancer's VpcId is its own invention.
	if lb.Type != "network" || lb.Scheme != "internal" || !slices.Equal(lbSubnets, slices.Sorted(slices.Values(w.subnets))) {
		t.Errorf("load balancer = type %s scheme %s subnets %v; want an internal network load balancer in %v", lb.Type, lb.Scheme, lbSubnets, w.subnets)
	}
	tgs, err := w.elb.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{TargetGroupArns: []string{res.TargetGroupARN}})
	if err != nil {
		t.Fatal(err)
	}
	tg := tgs.TargetGroups[0]
	if tg.Protocol != "TCP" || aws.ToInt32(tg.Port) != 8080 || tg.HealthCheckProtocol != "HTTP" || aws.ToString(tg.HealthCheckPath) != "/health" || tg.TargetType != "instance" {
		t.Errorf("target group = %s:%d, health %s %s, type %s", tg.Protocol, aws.ToInt32(tg.Port), tg.HealthCheckProtocol, aws.ToString(tg.HealthCheckPath), tg.TargetType)
	}
	tags, err := w.acct.Tags(ctx, res.TargetGroupARN)
	if err != nil || tags["vpclink:run"] != j.RunID || tags["team"] != "shop" {
		t.Errorf("target group tags = %v, %v; want the run id and the user's tags", tags, err)
	}
	listeners, err := w.acct.ListListeners(ctx, res.LoadBalancerARN)
	if err != nil || len(listeners) != 1 || listeners[0].Port != 8080 || listeners[0].TargetGroupARN != res.TargetGroupARN {
		t.Errorf("listeners = %+v, %v", listeners, err)
	}
	groups, err := w.acct.ListSecurityGroups(ctx, w.vpcID, w.groupID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(groups[0].Ingress, func(r awsops.Rule) bool { return r.CIDR == "10.20.0.0/16" && r.FromPort == 8080 && r.Protocol == "tcp" }) {
		t.Errorf("ingress of %s = %+v; want tcp/8080 from the VPC CIDR", w.groupID, groups[0].Ingress)
	}

	rs, err := w.acct.ListResources(ctx, res.RestAPIID)
	if err != nil {
		t.Fatal(err)
	}
	proxy, root := rs["/{proxy+}"], rs["/"]
	// The listener is on 8080: the URI must name that port, or API Gateway calls port 80.
	for _, c := range []struct{ resource, uri, param string }{
		{proxy.ID, "http://${stageVariables.VPCNLB}:8080/{proxy}", "method.request.path.proxy"},
		{root.ID, "http://${stageVariables.VPCNLB}:8080/", ""},
	} {
		for _, verb := range []string{"GET", "POST"} {
			m, err := w.gw.GetMethod(ctx, &apigateway.GetMethodInput{RestApiId: aws.String(res.RestAPIID), ResourceId: aws.String(c.resource), HttpMethod: aws.String(verb)})
			if err != nil {
				t.Fatalf("get method %s of %s: %v", verb, c.resource, err)
			}
			if aws.ToString(m.AuthorizationType) != "NONE" {
				t.Errorf("method %s of %s: authorization %s", verb, c.resource, aws.ToString(m.AuthorizationType))
			}
			in, err := w.gw.GetIntegration(ctx, &apigateway.GetIntegrationInput{RestApiId: aws.String(res.RestAPIID), ResourceId: aws.String(c.resource), HttpMethod: aws.String(verb)})
			if err != nil {
				t.Fatalf("get integration %s of %s: %v", verb, c.resource, err)
			}
			if in.Type != gwtypes.IntegrationTypeHttpProxy || in.ConnectionType != gwtypes.ConnectionTypeVpcLink ||
				aws.ToString(in.ConnectionId) != "${stageVariables.VPCLink}" || aws.ToString(in.Uri) != c.uri ||
				in.RequestParameters["integration.request.path.proxy"] != c.param {
				t.Errorf("integration %s of %s = type %s, connection %s %s, uri %s, parameters %v; want uri %s", verb, c.resource, in.Type, in.ConnectionType, aws.ToString(in.ConnectionId), aws.ToString(in.Uri), in.RequestParameters, c.uri)
			}
		}
	}
	if _, err := w.acct.GetStage(ctx, res.RestAPIID, "live"); err != nil {
		t.Fatalf("stage live: %v", err)
	}
	// kumo keeps neither a method's request parameters nor a deployment's variables, so
	// these are checked in the requests as sent.
	methods := w.wire.find(t, http.MethodPut, "/resources/"+proxy.ID+"/methods/GET")
	if len(methods) != 1 || methods[0]["requestParameters"].(map[string]any)["method.request.path.proxy"] != true {
		t.Errorf("PutMethod GET /{proxy+} bodies = %v; want requestParameters method.request.path.proxy=true", methods)
	}
	if methods := w.wire.find(t, http.MethodPut, "/resources/"+root.ID+"/methods/GET"); len(methods) != 1 || methods[0]["requestParameters"] != nil {
		t.Errorf("PutMethod GET / bodies = %v; want one, without request parameters", methods)
	}
	deploys := w.wire.find(t, http.MethodPost, "/deployments")
	if len(deploys) != 1 {
		t.Fatalf("CreateDeployment sent %d times, want once", len(deploys))
	}
	stages := w.wire.find(t, http.MethodPost, "/stages")
	if len(stages) != 1 {
		t.Fatalf("CreateStage sent %d times, want once", len(stages))
	}
	vars, _ := stages[0]["variables"].(map[string]any)
	stageTags, _ := stages[0]["tags"].(map[string]any)
	if stages[0]["stageName"] != "live" || vars["VPCLink"] != res.VPCLinkID || vars["VPCNLB"] != aws.ToString(lb.DNSName) || stageTags["vpclink:run"] != j.RunID {
		t.Errorf("CreateStage body = %v; want stage live with VPCLink=%s VPCNLB=%s and the run's tag", stages[0], res.VPCLinkID, aws.ToString(lb.DNSName))
	}

	if err := (&steps.Runner{Account: w.acct}).Rollback(ctx, j, steps.StateDestroyed); err != nil {
		t.Fatalf("destroy on kumo: %v", err)
	}
	if _, err := w.acct.GetLoadBalancer(ctx, res.LoadBalancerARN); !awsops.IsNotFound(err) {
		t.Errorf("load balancer after destroy: %v; want not found", err)
	}
	if _, err := w.acct.GetRestAPI(ctx, res.RestAPIID); !awsops.IsNotFound(err) {
		t.Errorf("rest api after destroy: %v; want not found", err)
	}
	groups, _ = w.acct.ListSecurityGroups(ctx, w.vpcID, w.groupID)
	if len(groups[0].Ingress) != 0 {
		t.Errorf("ingress after destroy = %+v; want none", groups[0].Ingress)
	}
}
