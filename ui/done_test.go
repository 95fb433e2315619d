package ui

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"

	"github.com/vpclink/vpclink/awsops/sandbox"
	"github.com/vpclink/vpclink/steps"
)

// The example request Done and the summary show is one the built API answers: its URL is
// the invoke URL's root, with the API key read by the AWS CLI, or signed for AWS_IAM.
func TestTheExampleRequestIsAnsweredByTheBuiltAPI(t *testing.T) {
	for name, c := range map[string]struct {
		auth string
		want []string
	}{
		"without authorization":  {steps.AuthNone, []string{"curl https://"}},
		"with an API key":        {steps.AuthAPIKey, []string{"KEY=$(aws apigateway get-api-key --api-key ", " --include-value \\", "--query value --output text --region us-east-1)", `curl -H "x-api-key: $KEY" \`}},
		"with IAM authorization": {steps.AuthIAM, []string{`curl --aws-sigv4 "aws:amz:us-east-1:execute-api" \`, `--user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \`, `-H "x-amz-security-token: $AWS_SESSION_TOKEN" \`}},
	} {
		t.Run(name, func(t *testing.T) {
			sb, err := sandbox.New(sandbox.Options{Speed: 0})
			if err != nil {
				t.Fatal(err)
			}
			acct := sb.Account()
			p, err := steps.LoadPlan("../examples/api-key.yaml")
			if err != nil {
				t.Fatal(err)
			}
			p.API.Authorization = c.auth
			ctx := context.Background()
			res, err := steps.Resolve(ctx, acct, p)
			if err != nil {
				t.Fatal(err)
			}
			r := &steps.Runner{Account: acct}
			j, err := r.NewJournal(p, res, "", true)
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Apply(ctx, j); err != nil {
				t.Fatal(err)
			}
			lines := TryIt(j)
			text := strings.Join(lines, "\n")
			for _, w := range c.want {
				if !strings.Contains(text, w) {
					t.Errorf("example request lacks %q:\n%s", w, text)
				}
			}
			for _, l := range lines {
				if len(l)+2 > 78 {
					t.Errorf("line %q is too long for the Done screen", l)
				}
			}
			// The request as the lines make it: the last word is the URL.
			fields := strings.Fields(text)
			url := fields[len(fields)-1]
			base := j.InvokeURL()
			if url != base+"/" {
				t.Fatalf("request URL = %s; want the invoke URL's root %s/", url, base)
			}
			headers := map[string]string{}
			switch c.auth {
			case steps.AuthAPIKey:
				k, err := acct.Gateway.GetApiKeys(ctx, &apigateway.GetApiKeysInput{IncludeValues: aws.Bool(true)})
				if err != nil || len(k.Items) != 1 || !strings.Contains(text, aws.ToString(k.Items[0].Id)) {
					t.Fatalf("api keys = %+v, %v; want the one the example names", k, err)
				}
				headers["x-api-key"] = aws.ToString(k.Items[0].Value)
			case steps.AuthIAM:
				headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=0"
			}
			resp, err := sb.Invoke(j.Resources.RestAPIID, j.Resources.Stage, sandbox.Request{Method: "GET", Path: strings.TrimPrefix(url, base), Headers: headers})
			if err != nil || resp.Status != 200 {
				t.Errorf("GET %s = %d %s, %v; want 200", url, resp.Status, resp.Body, err)
			}
			if strings.Contains(text, headers["x-api-key"]) && headers["x-api-key"] != "" {
				t.Errorf("the example shows the key's value")
			}
		})
	}
}
