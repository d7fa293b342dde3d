/* bench/json/person_json.h — the bench Person (bench/pb/fixture.c) in the
 * proto3 canonical JSON form, compact, as protobuf prints it: the text every
 * implementation parses, and must print, in the JSON benchmark. */
#ifndef BENCH_JSON_PERSON_JSON_H
#define BENCH_JSON_PERSON_JSON_H

static const char bench_person_json[] =
    "{\"id\":\"1234567890123\",\"name\":\"Augusta Ada Lovelace\","
    "\"email\":\"ada.lovelace@math.org\",\"score\":98.625,\"status\":\"STATUS_ACTIVE\","
    "\"samples\":[0,37,148,333,592,925,1332,1813,2368,2997,3700,4477,328,1253,2252,3325,4472,"
    "693,1988,3357,4800,1317,2908,4573,1312],"
    "\"address\":{\"street\":\"12 St. James Square\",\"city\":\"London\","
    "\"country\":\"United Kingdom\",\"zip\":10115},"
    "\"tags\":[\"math\",\"poet\",\"analyst\",\"engine\"],\"verified\":true}";

#endif
