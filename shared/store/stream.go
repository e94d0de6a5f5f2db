package store

import (
	"fmt"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/publish"
)

// StreamEvents decodes the timeline events inserted in a batch of table
// stream records; other records are skipped.
func StreamEvents(records []events.DynamoDBEventRecord) ([]publish.Record, error) {
	var out []publish.Record
	for _, r := range records {
		img := r.Change.NewImage
		if r.EventName != "INSERT" || img == nil {
			continue
		}
		pk, sk := img[attrPK].String(), img[attrSK].String()
		if !strings.HasPrefix(sk, "EVT#") || !strings.HasPrefix(pk, "LEAD#") {
			continue
		}
		item, err := fromStream(img)
		if err != nil {
			return nil, fmt.Errorf("store: stream record %s/%s: %w", pk, sk, err)
		}
		var ev lead.Event
		if err := unmarshal(item, &ev); err != nil {
			return nil, fmt.Errorf("store: stream record %s/%s: %w", pk, sk, err)
		}
		out = append(out, publish.Record{LeadID: strings.TrimPrefix(pk, "LEAD#"), Event: ev})
	}
	return out, nil
}

// fromStream converts a Lambda stream image to SDK attribute values.
func fromStream(img map[string]events.DynamoDBAttributeValue) (map[string]types.AttributeValue, error) {
	out := make(map[string]types.AttributeValue, len(img))
	for k, v := range img {
		av, err := streamValue(v)
		if err != nil {
			return nil, err
		}
		out[k] = av
	}
	return out, nil
}

func streamValue(v events.DynamoDBAttributeValue) (types.AttributeValue, error) {
	switch v.DataType() {
	case events.DataTypeString:
		return &types.AttributeValueMemberS{Value: v.String()}, nil
	case events.DataTypeNumber:
		return &types.AttributeValueMemberN{Value: v.Number()}, nil
	case events.DataTypeBoolean:
		return &types.AttributeValueMemberBOOL{Value: v.Boolean()}, nil
	case events.DataTypeNull:
		return &types.AttributeValueMemberNULL{Value: true}, nil
	case events.DataTypeBinary:
		return &types.AttributeValueMemberB{Value: v.Binary()}, nil
	case events.DataTypeStringSet:
		return &types.AttributeValueMemberSS{Value: v.StringSet()}, nil
	case events.DataTypeNumberSet:
		return &types.AttributeValueMemberNS{Value: v.NumberSet()}, nil
	case events.DataTypeBinarySet:
		return &types.AttributeValueMemberBS{Value: v.BinarySet()}, nil
	case events.DataTypeList:
		list := v.List()
		out := make([]types.AttributeValue, len(list))
		for i, e := range list {
			av, err := streamValue(e)
			if err != nil {
				return nil, err
			}
			out[i] = av
		}
		return &types.AttributeValueMemberL{Value: out}, nil
	case events.DataTypeMap:
		m, err := fromStream(v.Map())
		if err != nil {
			return nil, err
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	}
	return nil, fmt.Errorf("unknown attribute type %v", v.DataType())
}
