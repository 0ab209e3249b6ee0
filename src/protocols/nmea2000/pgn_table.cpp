// SPDX-License-Identifier: MIT
// The PGN descriptors. Layouts, names and lookups are canboat's (database/pgns/*.yaml, as listed in
// nmea2000.md §2 and the canboat JSON 6.2.0 bundled with canboatjs); units are SI.
#include "protocols/nmea2000/pgn_table.hpp"

#include "protocols/nmea2000/pgn_table_canboat.hpp"

#include <algorithm>
#include <array>

namespace gxlink::nmea2000 {
namespace {

using FT = FieldType;

constexpr Field num(std::string_view name, std::string_view id, std::uint16_t off,
                    std::uint16_t bits, bool sgn = false, double res = 1,
                    std::string_view unit = {}, double offset = 0) {
  return Field{name, id, off, bits, sgn, res, offset, unit, FT::kNumber, nullptr, -1};
}
/// A field of the ISO NAME (ISO 11783-5 §4.4.1): plain numbers, every value valid.
constexpr Field name_part(std::string_view name, std::string_view id, std::uint16_t off,
                          std::uint16_t bits) {
  Field f = num(name, id, off, bits);
  f.plain = true;
  return f;
}
constexpr Field dur(std::string_view name, std::string_view id, std::uint16_t off,
                    std::uint16_t bits, double res) {
  return Field{name, id, off, bits, false, res, 0, "s", FT::kDuration, nullptr, -1};
}
constexpr Field lku(std::string_view name, std::string_view id, std::uint16_t off,
                    std::uint16_t bits, const Lookup* l, std::int64_t match = -1) {
  return Field{name, id, off, bits, false, 1, 0, {}, FT::kLookup, l, match};
}
constexpr Field pgnf(std::string_view name, std::string_view id, std::uint16_t off) {
  return Field{name, id, off, 24, false, 1, 0, {}, FT::kPgn, nullptr, -1};
}
constexpr Field str(std::string_view name, std::string_view id, std::uint16_t off,
                    std::uint16_t bits) {
  return Field{name, id, off, bits, false, 1, 0, {}, FT::kStringFix, nullptr, -1};
}
constexpr Field rsv(std::uint16_t off, std::uint16_t bits, std::string_view id = "reserved") {
  return Field{"Reserved", id, off, bits, false, 1, 0, {}, FT::kReserved, nullptr, -1};
}
constexpr Field spare(std::uint16_t off, std::uint16_t bits) {
  return Field{"Spare", "spare", off, bits, false, 1, 0, {}, FT::kSpare, nullptr, -1};
}
constexpr Field bin(std::string_view name, std::string_view id, std::uint16_t off,
                    std::uint16_t bits) {
  return Field{name, id, off, bits, false, 1, 0, {}, FT::kBinary, nullptr, -1};
}

// ---- lookups (canboat database/lookups) ----
constexpr LookupEntry kDcSource[] = {
    {0, "Battery"}, {1, "Alternator"}, {2, "Convertor"}, {3, "Solar cell"}, {4, "Wind generator"}};
constexpr LookupEntry kChargerState[] = {
    {0, "Not charging"}, {1, "Bulk"},     {2, "Absorption"},  {3, "Overcharge"}, {4, "Equalise"},
    {5, "Float"},        {6, "No float"}, {7, "Constant VI"}, {8, "Disabled"},   {9, "Fault"}};
constexpr LookupEntry kChargerMode[] = {
    {0, "Standalone"}, {1, "Primary"}, {2, "Secondary"}, {3, "Echo"}};
constexpr LookupEntry kInverterState[] = {
    {0, "Invert"}, {1, "AC passthru"}, {2, "Load sense"}, {3, "Fault"}, {4, "Disabled"}};
constexpr LookupEntry kOffOn[] = {{0, "Off"}, {1, "On"}};
constexpr LookupEntry kAcLine[] = {{0, "Line 1"}, {1, "Line 2"}, {2, "Line 3"}};
constexpr LookupEntry kAcceptability[] = {
    {0, "Bad level"}, {1, "Bad frequency"}, {2, "Being qualified"}, {3, "Good"}};
constexpr LookupEntry kGroupFunction[] = {
    {0, "Request"},           {1, "Command"},      {2, "Acknowledge"},       {3, "Read Fields"},
    {4, "Read Fields Reply"}, {5, "Write Fields"}, {6, "Write Fields Reply"}};
constexpr LookupEntry kPgnErrorCode[] = {{0, "Acknowledge"},
                                         {1, "PGN not supported"},
                                         {2, "PGN not available"},
                                         {3, "Access denied"},
                                         {4, "Not supported"},
                                         {5, "Tag not supported"},
                                         {6, "Read or Write not supported"}};
constexpr LookupEntry kTransmissionInterval[] = {{0, "Acknowledge"},
                                                 {1, "Transmit Interval/Priority not supported"},
                                                 {2, "Transmit Interval too low"},
                                                 {3, "Access denied"},
                                                 {4, "Not supported"}};
constexpr LookupEntry kPriority[] = {{0, "0"},
                                     {1, "1"},
                                     {2, "2"},
                                     {3, "3"},
                                     {4, "4"},
                                     {5, "5"},
                                     {6, "6"},
                                     {7, "7"},
                                     {8, "Leave unchanged"},
                                     {9, "Reset to default"}};
constexpr LookupEntry kIndustry[] = {{0, "Global"},          {1, "Highway"},
                                     {2, "Agriculture"},     {3, "Construction"},
                                     {4, "Marine Industry"}, {5, "Industrial"}};
constexpr LookupEntry kDeviceClass[] = {{0, "Reserved for 2000 Use"},
                                        {10, "System tools"},
                                        {20, "Safety systems"},
                                        {25, "Internetwork device"},
                                        {30, "Electrical Distribution"},
                                        {35, "Electrical Generation"},
                                        {40, "Steering and Control surfaces"},
                                        {50, "Propulsion"},
                                        {60, "Navigation"},
                                        {70, "Communication"},
                                        {75, "Sensor Communication Interface"},
                                        {80, "Instrumentation/general systems"},
                                        {85, "External Environment"},
                                        {90, "Internal Environment"},
                                        {100, "Deck + cargo + fishing equipment systems"},
                                        {110, "Human Interface"},
                                        {120, "Display"},
                                        {125, "Entertainment"}};
constexpr LookupEntry kYesNo[] = {{0, "No"}, {1, "Yes"}};
constexpr LookupEntry kControllerState[] = {
    {0, "Error Active"}, {1, "Error Passive"}, {2, "Bus Off"}};
constexpr LookupEntry kEquipmentStatus[] = {{0, "Operational"}, {1, "Fault"}};
constexpr LookupEntry kCertification[] = {{0, "Level A"}, {1, "Level B"}};
constexpr LookupEntry kIsoControl[] = {
    {0, "ACK"}, {1, "NAK"}, {2, "Access Denied"}, {3, "Address Busy"}};
constexpr LookupEntry kPowerFactor[] = {{0, "Leading"}, {1, "Lagging"}, {2, "Error"}};
constexpr LookupEntry kTankType[] = {
    {0, "Fuel"}, {1, "Water"},       {2, "Gray water"},      {3, "Live well"},
    {4, "Oil"},  {5, "Black water"}, {6, "Fuel (Gasoline)"}, {14, "Error"}};
// MANUFACTURER_CODE as canboat lists it (canboat JSON 6.2.0).
constexpr LookupEntry kManufacturer[] = {
    {69, "ARKS Enterprises, Inc."},
    {78, "FW Murphy/Enovation Controls"},
    {80, "Twin Disc"},
    {85, "Kohler Power Systems"},
    {88, "Hemisphere GPS Inc"},
    {116, "BEP Marine"},
    {135, "Airmar"},
    {137, "Maretron"},
    {140, "Lowrance"},
    {144, "Mercury Marine"},
    {147, "Nautibus Electronic GmbH"},
    {148, "Blue Water Data"},
    {154, "Westerbeke"},
    {157, "ISSPRO Inc"},
    {161, "Offshore Systems (UK) Ltd."},
    {163, "Evinrude/BRP"},
    {165, "CPAC Systems AB"},
    {168, "Xantrex Technology Inc."},
    {169, "Marlin Technologies, Inc."},
    {172, "Yanmar Marine"},
    {174, "Volvo Penta"},
    {175, "Honda Marine"},
    {176, "Carling Technologies Inc. (Moritz Aerospace)"},
    {185, "Beede Instruments"},
    {192, "Floscan Instrument Co. Inc."},
    {193, "Nobletec"},
    {198, "Mystic Valley Communications"},
    {199, "Actia"},
    {200, "Honda Marine 2"},
    {201, "Disenos Y Technologia"},
    {211, "Digital Switching Systems"},
    {215, "Xintex/Atena"},
    {224, "EMMI NETWORK S.L."},
    {225, "Honda Marine 3"},
    {228, "ZF"},
    {229, "Garmin"},
    {233, "Yacht Monitoring Solutions"},
    {235, "Sailormade Marine Telemetry/Tetra Technology LTD"},
    {243, "Eride"},
    {250, "Honda Marine 4"},
    {257, "Honda Motor Company LTD"},
    {272, "Groco"},
    {273, "Actisense"},
    {274, "Amphenol LTW Technology"},
    {275, "Navico"},
    {283, "Hamilton Jet"},
    {285, "Sea Recovery"},
    {286, "Coelmo SRL Italy"},
    {295, "BEP Marine 2"},
    {304, "Empir Bus"},
    {305, "NovAtel"},
    {306, "Sleipner Motor AS"},
    {307, "MBW Technologies"},
    {311, "Fischer Panda"},
    {315, "ICOM"},
    {328, "Qwerty"},
    {329, "Dief"},
    {341, "Boening Automationstechnologie GmbH & Co. KG"},
    {345, "Korean Maritime University"},
    {351, "Thrane and Thrane"},
    {355, "Mastervolt"},
    {356, "Fischer Panda Generators"},
    {358, "Victron Energy"},
    {370, "Rolls Royce Marine"},
    {373, "Electronic Design"},
    {374, "Northern Lights"},
    {378, "Glendinning"},
    {381, "B & G"},
    {384, "Rose Point Navigation Systems"},
    {385, "Johnson Outdoors Marine Electronics Inc Geonav"},
    {394, "Capi 2"},
    {396, "Beyond Measure"},
    {400, "Livorsi Marine"},
    {404, "ComNav"},
    {409, "Chetco"},
    {419, "Fusion Electronics"},
    {421, "Standard Horizon"},
    {422, "True Heading AB"},
    {426, "Egersund Marine Electronics AS"},
    {427, "em-trak Marine Electronics"},
    {431, "Tohatsu Co, JP"},
    {437, "Digital Yacht"},
    {438, "Comar Systems Limited"},
    {440, "Cummins"},
    {443, "VDO (aka Continental-Corporation)"},
    {451, "Parker Hannifin aka Village Marine Tech"},
    {459, "Alltek Marine Electronics Corp"},
    {460, "SAN GIORGIO S.E.I.N"},
    {466, "Veethree Electronics & Marine"},
    {467, "Humminbird Marine Electronics"},
    {470, "SI-TEX Marine Electronics"},
    {471, "Sea Cross Marine AB"},
    {475, "GME aka Standard Communications Pty LTD"},
    {476, "Humminbird Marine Electronics 2"},
    {478, "Ocean Sat BV"},
    {481, "Chetco Digitial Instruments"},
    {493, "Watcheye"},
    {499, "Lcj Capteurs"},
    {502, "Attwood Marine"},
    {503, "Naviop S.R.L."},
    {504, "Vesper Marine Ltd"},
    {510, "Marinesoft Co. LTD"},
    {513, "Simarine"},
    {517, "NoLand Engineering"},
    {518, "Transas USA"},
    {529, "National Instruments Korea"},
    {530, "National Marine Electronics Association"},
    {532, "Onwa Marine"},
    {540, "Webasto"},
    {571, "Marinecraft (South Korea)"},
    {573, "McMurdo Group aka Orolia LTD"},
    {578, "Advansea"},
    {579, "KVH"},
    {580, "San Jose Technology"},
    {583, "Yacht Control"},
    {586, "Suzuki Motor Corporation"},
    {591, "US Coast Guard"},
    {595, "Ship Module aka Customware"},
    {600, "Aquatic AV"},
    {605, "Aventics GmbH"},
    {606, "Intellian"},
    {612, "SamwonIT"},
    {614, "Arlt Tecnologies"},
    {637, "Bavaria Yacts"},
    {641, "Diverse Yacht Services"},
    {644, "Wema U.S.A dba KUS"},
    {645, "Garmin 2"},
    {658, "Shenzhen Jiuzhou Himunication"},
    {688, "Rockford Corp"},
    {699, "Harman International"},
    {704, "JL Audio"},
    {708, "Lars Thrane"},
    {715, "Autonnic"},
    {717, "Yacht Devices"},
    {734, "REAP Systems"},
    {735, "Au Electronics Group"},
    {739, "LxNav"},
    {741, "Littelfuse, Inc (formerly Carling Technologies)"},
    {743, "DaeMyung"},
    {744, "Woosung"},
    {748, "ISOTTA IFRA srl"},
    {773, "Clarion US"},
    {776, "HMI Systems"},
    {777, "Ocean Signal"},
    {778, "Seekeeper"},
    {781, "Poly Planar"},
    {785, "Fischer Panda DE"},
    {795, "Broyda Industries"},
    {796, "Canadian Automotive"},
    {797, "Tides Marine"},
    {798, "Lumishore"},
    {799, "Still Water Designs and Audio"},
    {802, "BJ Technologies (Beneteau)"},
    {803, "Gill Sensors"},
    {811, "Blue Water Desalination"},
    {815, "FLIR"},
    {824, "Undheim Systems"},
    {826, "Lewmar Inc"},
    {838, "TeamSurv"},
    {844, "Fell Marine"},
    {847, "Oceanvolt"},
    {862, "Prospec"},
    {868, "Data Panel Corp"},
    {890, "L3 Technologies"},
    {894, "Rhodan Marine Systems"},
    {896, "Nexfour Solutions"},
    {905, "ASA Electronics"},
    {909, "Marines Co (South Korea)"},
    {911, "Nautic-on"},
    {917, "Sentinel"},
    {929, "JL Marine ystems"},
    {930, "Ecotronix"},
    {944, "Zontisa Marine"},
    {951, "EXOR International"},
    {962, "Timbolier Industries"},
    {963, "TJC Micro"},
    {968, "Cox Powertrain"},
    {969, "Blue Seas"},
    {981, "Kobelt Manufacturing Co. Ltd"},
    {992, "Blue Ocean IOT"},
    {997, "Xenta Systems"},
    {999, "Signal K"},
    {1004, "Ultraflex SpA"},
    {1008, "Lintest SmartBoat"},
    {1011, "Soundmax"},
    {1020, "Team Italia Marine (Onyx Marine Automation s.r.l)"},
    {1021, "Entratech"},
    {1022, "ITC Inc."},
    {1029, "The Marine Guardian LLC"},
    {1047, "Sonic Corporation"},
    {1051, "ProNav"},
    {1053, "Vetus Maxwell INC."},
    {1056, "Lithium Pros"},
    {1059, "Boatrax"},
    {1062, "Marol Co ltd"},
    {1065, "CALYPSO Instruments"},
    {1066, "Spot Zero Water"},
    {1069, "Lithionics Battery LLC"},
    {1070, "Quick-teck Electronics Ltd"},
    {1075, "Uniden America"},
    {1083, "Nauticoncept"},
    {1084, "Shadow-Caster LED lighting LLC"},
    {1085, "Wet Sounds, LLC"},
    {1088, "E-T-A Circuit Breakers"},
    {1092, "Scheiber"},
    {1100, "Smart Yachts International Limited"},
    {1109, "Dockmate"},
    {1114, "Bobs Machine"},
    {1118, "L3Harris ASV"},
    {1119, "Balmar LLC"},
    {1120, "Elettromedia spa"},
    {1127, "Electromaax"},
    {1140, "Across Oceans Systems Ltd."},
    {1145, "Kiwi Yachting"},
    {1150, "BSB Artificial Intelligence GmbH"},
    {1151, "Orca Technologoes AS"},
    {1154, "TBS Electronics BV"},
    {1158, "Technoton Electroics"},
    {1160, "MG Energy Systems B.V."},
    {1169, "Sea Macine Robotics Inc."},
    {1171, "Vista Manufacturing"},
    {1183, "Zipwake"},
    {1186, "Sailmon BV"},
    {1192, "Airmoniq Pro Kft"},
    {1194, "Sierra Marine"},
    {1200, "Xinuo Information Technology (Xiamen)"},
    {1218, "Septentrio"},
    {1233, "NKE Marine Elecronics"},
    {1238, "SuperTrack Aps"},
    {1239, "Honda Electronics Co., LTD"},
    {1245, "Raritan Engineering Company, Inc"},
    {1249, "Integrated Power Solutions AG"},
    {1260, "Interactive Technologies, Inc."},
    {1283, "LTG-Tech"},
    {1299, "Energy Solutions (UK) LTD."},
    {1300, "WATT Fuel Cell Corp"},
    {1302, "Pro Mainer"},
    {1305, "Dragonfly Energy"},
    {1306, "Koden Electronics Co., Ltd"},
    {1311, "Humphree AB"},
    {1316, "Hinkley Yachts"},
    {1317, "Global Marine Management GmbH (GMM)"},
    {1320, "Triskel Marine Ltd"},
    {1330, "Warwick Control Technologies"},
    {1331, "Dolphin Charger"},
    {1337, "Barnacle Systems Inc"},
    {1348, "Radian IoT, Inc."},
    {1353, "Ocean LED Marine Ltd"},
    {1359, "BluNav"},
    {1361, "OVA (Nantong Saiyang Electronics Co., Ltd)"},
    {1368, "RAD Propulsion"},
    {1369, "Electric Yacht"},
    {1372, "Elco Motor Yachts"},
    {1384, "Tecnoseal Foundry S.r.l"},
    {1385, "Pro Charging Systems, LLC"},
    {1389, "EVEX Co., LTD"},
    {1398, "Gobius Sensor Technology AB"},
    {1403, "Arco Marine"},
    {1408, "Lenco Marine Inc."},
    {1413, "Naocontrol S.L."},
    {1417, "Revatek"},
    {1438, "Aeolionics"},
    {1439, "PredictWind Ltd"},
    {1440, "Egis Mobile Electric"},
    {1445, "Starboard Yacht Group"},
    {1446, "Roswell Marine"},
    {1451, "ePropulsion (Guangdong ePropulsion Technology Ltd.)"},
    {1452, "Micro-Air LLC"},
    {1453, "Vital Battery"},
    {1458, "Ride Controller LLC"},
    {1460, "Tocaro Blue"},
    {1461, "Vanquish Yachts"},
    {1471, "FT Technologies"},
    {1478, "Alps Alpine Co., Ltd."},
    {1481, "E-Force Marine"},
    {1482, "CMC Marine"},
    {1483, "Nanjing Sandemarine Information Technology Co., Ltd."},
    {1850, "Teleflex Marine (SeaStar Solutions)"},
    {1851, "Raymarine"},
    {1852, "Navionics"},
    {1853, "Japan Radio Co"},
    {1854, "Northstar Technologies"},
    {1855, "Furuno"},
    {1856, "Trimble"},
    {1857, "Simrad"},
    {1858, "Litton"},
    {1859, "Kvasar AB"},
    {1860, "MMP"},
    {1861, "Vector Cantech"},
    {1862, "Yamaha Marine"},
    {1863, "Faria Instruments"},
};

constexpr Lookup kOffOnL{"OFF_ON", kOffOn};
constexpr Lookup kChargerModeL{"CHARGER_MODE", kChargerMode};
constexpr Lookup kAcLineL{"AC_LINE", kAcLine};
constexpr Lookup kAcceptabilityL{"ACCEPTABILITY", kAcceptability};
constexpr Lookup kGroupFunctionL{"GROUP_FUNCTION", kGroupFunction};
constexpr Lookup kPgnErrorCodeL{"PGN_ERROR_CODE", kPgnErrorCode};
constexpr Lookup kTransmissionIntervalL{"TRANSMISSION_INTERVAL", kTransmissionInterval};
constexpr Lookup kPriorityL{"PRIORITY", kPriority};
constexpr Lookup kIndustryL{"INDUSTRY_CODE", kIndustry};
constexpr Lookup kDeviceClassL{"DEVICE_CLASS", kDeviceClass};
constexpr Lookup kYesNoL{"YES_NO", kYesNo};
constexpr Lookup kControllerStateL{"CONTROLLER_STATE", kControllerState};
constexpr Lookup kEquipmentStatusL{"EQUIPMENT_STATUS", kEquipmentStatus};
constexpr Lookup kCertificationL{"CERTIFICATION_LEVEL", kCertification};
constexpr Lookup kIsoControlL{"ISO_CONTROL", kIsoControl};
constexpr Lookup kPowerFactorL{"POWER_FACTOR", kPowerFactor};
constexpr Lookup kTankTypeL{"TANK_TYPE", kTankType};

}  // namespace

const Lookup kDcSourceLookup{"DC_SOURCE", kDcSource};
const Lookup kChargerStateLookup{"CHARGER_STATE", kChargerState};
const Lookup kInverterStateLookup{"INVERTER_STATE", kInverterState};
const Lookup kManufacturerLookup{"MANUFACTURER_CODE", kManufacturer};

namespace {

// ---- field sets ----
constexpr Field kIsoAck[] = {lku("Control", "control", 0, 8, &kIsoControlL),
                             num("Group Function", "groupFunction", 8, 8), rsv(16, 24),
                             pgnf("PGN", "pgn", 40)};
constexpr Field kIsoRequest[] = {pgnf("PGN", "pgn", 0)};
constexpr Field kTpDt[] = {num("SID", "sid", 0, 8), bin("Data", "data", 8, 56)};
constexpr Field kTpCm[] = {num("Group Function Code", "groupFunctionCode", 0, 8),
                           num("Message size", "messageSize", 8, 16),
                           num("Packets", "packets", 24, 8),
                           num("Packets reply", "packetsReply", 32, 8), pgnf("PGN", "pgn", 40)};
constexpr Field kAddressClaim[] = {
    name_part("Unique Number", "uniqueNumber", 0, 21),
    lku("Manufacturer Code", "manufacturerCode", 21, 11, &kManufacturerLookup),
    name_part("Device Instance Lower", "deviceInstanceLower", 32, 3),
    name_part("Device Instance Upper", "deviceInstanceUpper", 35, 5),
    name_part("Device Function", "deviceFunction", 40, 8),
    spare(48, 1),
    lku("Device Class", "deviceClass", 49, 7, &kDeviceClassL),
    name_part("System Instance", "systemInstance", 56, 4),
    lku("Industry Group", "industryGroup", 60, 3, &kIndustryL),
    lku("Arbitrary address capable", "arbitraryAddressCapable", 63, 1, &kYesNoL)};
// 61184 for Victron: the register id selects the meaning of the value (vreg.hpp decodes it).
constexpr Field kVictronVreg[] = {
    lku("Manufacturer Code", "manufacturerCode", 0, 11, &kManufacturerLookup, 358), rsv(11, 2),
    lku("Industry Code", "industryCode", 13, 3, &kIndustryL, 4),
    num("Register Id", "registerId", 16, 16), bin("Payload", "payload", 32, 32)};
constexpr Field kProprietaryAddressed[] = {
    lku("Manufacturer Code", "manufacturerCode", 0, 11, &kManufacturerLookup), rsv(11, 2),
    lku("Industry Code", "industryCode", 13, 3, &kIndustryL), bin("Data", "data", 16, 48)};

// 126208: the fixed heads; the parameter pairs are decoded by codec.cpp (their width depends on
// the commanded PGN).
constexpr Field kGfRequest[] = {
    lku("Function Code", "functionCode", 0, 8, &kGroupFunctionL, 0), pgnf("PGN", "pgn", 8),
    dur("Transmission interval", "transmissionInterval", 32, 32, 0.001),
    dur("Transmission interval offset", "transmissionIntervalOffset", 64, 16, 0.01),
    num("Number of Parameters", "numberOfParameters", 80, 8)};
constexpr Field kGfCommand[] = {lku("Function Code", "functionCode", 0, 8, &kGroupFunctionL, 1),
                                pgnf("PGN", "pgn", 8),
                                lku("Priority", "priority", 32, 4, &kPriorityL), rsv(36, 4),
                                num("Number of Parameters", "numberOfParameters", 40, 8)};
constexpr Field kGfAck[] = {
    lku("Function Code", "functionCode", 0, 8, &kGroupFunctionL, 2), pgnf("PGN", "pgn", 8),
    lku("PGN error code", "pgnErrorCode", 32, 4, &kPgnErrorCodeL),
    lku("Transmission interval/Priority error code", "transmissionIntervalPriorityErrorCode", 36, 4,
        &kTransmissionIntervalL),
    num("Number of Parameters", "numberOfParameters", 40, 8)};
// Read/Write fields for a non-proprietary PGN (no manufacturer/industry part).
constexpr Field kGfRead[] = {lku("Function Code", "functionCode", 0, 8, &kGroupFunctionL, 3),
                             pgnf("PGN", "pgn", 8), num("Unique ID", "uniqueId", 32, 8),
                             num("Number of Selection Pairs", "numberOfSelectionPairs", 40, 8),
                             num("Number of Parameters", "numberOfParameters", 48, 8)};
constexpr Field kGfReadReply[] = {lku("Function Code", "functionCode", 0, 8, &kGroupFunctionL, 4),
                                  pgnf("PGN", "pgn", 8), num("Unique ID", "uniqueId", 32, 8),
                                  num("Number of Selection Pairs", "numberOfSelectionPairs", 40, 8),
                                  num("Number of Parameters", "numberOfParameters", 48, 8)};
constexpr Field kGfWrite[] = {lku("Function Code", "functionCode", 0, 8, &kGroupFunctionL, 5),
                              pgnf("PGN", "pgn", 8), num("Unique ID", "uniqueId", 32, 8),
                              num("Number of Selection Pairs", "numberOfSelectionPairs", 40, 8),
                              num("Number of Parameters", "numberOfParameters", 48, 8)};
constexpr Field kGfWriteReply[] = {
    lku("Function Code", "functionCode", 0, 8, &kGroupFunctionL, 6), pgnf("PGN", "pgn", 8),
    num("Unique ID", "uniqueId", 32, 8),
    num("Number of Selection Pairs", "numberOfSelectionPairs", 40, 8),
    num("Number of Parameters", "numberOfParameters", 48, 8)};

constexpr Field kHeartbeat[] = {
    dur("Data transmit offset", "dataTransmitOffset", 0, 16, 0.01),
    num("Sequence Counter", "sequenceCounter", 16, 8),
    lku("Controller 1 State", "controller1State", 24, 2, &kControllerStateL),
    lku("Controller 2 State", "controller2State", 26, 2, &kControllerStateL),
    lku("Equipment Status", "equipmentStatus", 28, 2, &kEquipmentStatusL),
    rsv(30, 34)};
constexpr Field kProductInfo[] = {
    num("NMEA 2000 Version", "nmea2000Version", 0, 16, false, 0.001),
    num("Product Code", "productCode", 16, 16),
    str("Model ID", "modelId", 32, 256),
    str("Software Version Code", "softwareVersionCode", 288, 256),
    str("Model Version", "modelVersion", 544, 256),
    str("Model Serial Code", "modelSerialCode", 800, 256),
    lku("Certification Level", "certificationLevel", 1056, 8, &kCertificationL),
    num("Load Equivalency", "loadEquivalency", 1064, 8)};

constexpr std::array<Field, 29> make_switch_bank() {
  constexpr std::string_view kNames[] = {
      "Indicator1",  "Indicator2",  "Indicator3",  "Indicator4",  "Indicator5",  "Indicator6",
      "Indicator7",  "Indicator8",  "Indicator9",  "Indicator10", "Indicator11", "Indicator12",
      "Indicator13", "Indicator14", "Indicator15", "Indicator16", "Indicator17", "Indicator18",
      "Indicator19", "Indicator20", "Indicator21", "Indicator22", "Indicator23", "Indicator24",
      "Indicator25", "Indicator26", "Indicator27", "Indicator28"};
  constexpr std::string_view kIds[] = {
      "indicator1",  "indicator2",  "indicator3",  "indicator4",  "indicator5",  "indicator6",
      "indicator7",  "indicator8",  "indicator9",  "indicator10", "indicator11", "indicator12",
      "indicator13", "indicator14", "indicator15", "indicator16", "indicator17", "indicator18",
      "indicator19", "indicator20", "indicator21", "indicator22", "indicator23", "indicator24",
      "indicator25", "indicator26", "indicator27", "indicator28"};
  std::array<Field, 29> f{};
  f[0] = num("Instance", "instance", 0, 8);
  for (std::uint16_t i = 0; i < 28; ++i)
    f[i + 1u] = lku(kNames[i], kIds[i], static_cast<std::uint16_t>(8 + 2 * i), 2, &kOffOnL);
  return f;
}
constexpr auto kSwitchBank = make_switch_bank();

constexpr Field kAcInputStatus[] = {
    num("Instance", "instance", 0, 8),
    num("Number of Lines", "numberOfLines", 8, 8),
    lku("Line", "line", 16, 2, &kAcLineL),
    lku("Acceptability", "acceptability", 18, 2, &kAcceptabilityL),
    rsv(20, 4),
    num("Voltage", "voltage", 24, 16, false, 0.01, "V"),
    num("Current", "current", 40, 16, false, 0.1, "A"),
    num("Frequency", "frequency", 56, 16, false, 0.01, "Hz"),
    num("Breaker Size", "breakerSize", 72, 16, false, 0.1, "A"),
    num("Real Power", "realPower", 88, 32, false, 1, "W"),
    num("Reactive Power", "reactivePower", 120, 32, false, 1, "VAR"),
    num("Power factor", "powerFactor", 152, 8, true, 0.01, "Cos Phi")};
constexpr Field kFluidLevel[] = {num("Instance", "instance", 0, 4),
                                 lku("Type", "type", 4, 4, &kTankTypeL),
                                 num("Level", "level", 8, 16, true, 0.004, "%"),
                                 num("Capacity", "capacity", 24, 32, false, 0.1, "L"), rsv(56, 8)};
constexpr Field kDcDetailed[] = {
    num("SID", "sid", 0, 8),
    num("Instance", "instance", 8, 8),
    lku("DC Type", "dcType", 16, 8, &kDcSourceLookup),
    num("State of Charge", "stateOfCharge", 24, 8, false, 1, "%"),
    num("State of Health", "stateOfHealth", 32, 8, false, 1, "%"),
    dur("Time Remaining", "timeRemaining", 40, 16, 60),
    num("Ripple Voltage", "rippleVoltage", 56, 16, false, 0.001, "V"),
    num("Remaining capacity", "remainingCapacity", 72, 16, false, 1, "Ah")};
constexpr Field kChargerStatus[] = {
    num("Instance", "instance", 0, 8),
    num("Battery Instance", "batteryInstance", 8, 8),
    lku("Operating State", "operatingState", 16, 4, &kChargerStateLookup),
    lku("Charge Mode", "chargeMode", 20, 4, &kChargerModeL),
    lku("Enabled", "enabled", 24, 2, &kOffOnL),
    lku("Equalization Pending", "equalizationPending", 26, 2, &kOffOnL),
    rsv(28, 4),
    dur("Equalization Time Remaining", "equalizationTimeRemaining", 32, 16, 60)};
constexpr Field kBatteryStatus[] = {
    num("Instance", "instance", 0, 8), num("Voltage", "voltage", 8, 16, true, 0.01, "V"),
    num("Current", "current", 24, 16, true, 0.1, "A"),
    num("Temperature", "temperature", 40, 16, false, 0.01, "K"), num("SID", "sid", 56, 8)};
constexpr Field kInverterStatus[] = {
    num("Instance", "instance", 0, 8),
    num("AC Instance", "acInstance", 8, 8),
    num("DC Instance", "dcInstance", 16, 8),
    lku("Operating State", "operatingState", 24, 4, &kInverterStateLookup),
    lku("Inverter Enable", "inverterEnable", 28, 2, &kOffOnL),
    rsv(30, 2)};
constexpr Field kDcVoltageCurrent[] = {
    num("SID", "sid", 0, 8), num("Connection Number", "connectionNumber", 8, 8),
    num("DC Voltage", "dcVoltage", 16, 16, false, 0.1, "V"),
    num("DC Current", "dcCurrent", 32, 24, true, 0.01, "A"), rsv(56, 8)};

// J1939-75 AC PGNs (65001–65030): four shapes shared by every phase.
constexpr Field kAcBasic[] = {
    num("Line-Line AC RMS Voltage", "lineLineAcRmsVoltage", 0, 16, false, 1, "V"),
    num("Line-Neutral AC RMS Voltage", "lineNeutralAcRmsVoltage", 16, 16, false, 1, "V"),
    num("AC Frequency", "acFrequency", 32, 16, false, 0.0078125, "Hz"),
    num("AC RMS Current", "acRmsCurrent", 48, 16, false, 1, "A")};
constexpr Field kBusBasic[] = {
    num("Line-Line AC RMS Voltage", "lineLineAcRmsVoltage", 0, 16, false, 1, "V"),
    num("Line-Neutral AC RMS Voltage", "lineNeutralAcRmsVoltage", 16, 16, false, 1, "V"),
    num("AC Frequency", "acFrequency", 32, 16, false, 0.0078125, "Hz"), rsv(48, 16)};
// Power uses offset -2e9 W ("0 encodes -2000000000", canboat POWER_FIX32_OFFSET), raw unsigned.
constexpr Field kAcPower[] = {
    num("Real Power", "realPower", 0, 32, false, 1, "W", -2000000000.0),
    num("Apparent Power", "apparentPower", 32, 32, false, 1, "VA", -2000000000.0)};
constexpr Field kAcReactive[] = {
    num("Reactive Power", "reactivePower", 0, 32, false, 1, "VAR", -2000000000.0),
    num("Power factor", "powerFactor", 32, 16, false, 1.0 / 16384.0, "Cos Phi"),
    lku("Power Factor Lagging", "powerFactorLagging", 48, 2, &kPowerFactorL), rsv(50, 14)};
// canboat's unit is kWh; in SI (as canboatjs prints it) that is 3.6 MJ per count.
constexpr Field kAcEnergy[] = {
    num("Total Energy Export", "totalEnergyExport", 0, 32, false, 3.6e6, "J"),
    num("Total Energy Import", "totalEnergyImport", 32, 32, false, 3.6e6, "J")};

constexpr PgnDesc ac(std::uint32_t pgn, std::string_view id, std::string_view d,
                     std::span<const Field> f) {
  return PgnDesc{pgn, id, d, false, 3, 8, 8, f, 0, 0, 0};
}

constexpr PgnDesc kTable[] = {
    {59392, "isoAcknowledgement", "ISO Acknowledgement", false, 6, 8, 8, kIsoAck, 0, 0, 0},
    // 59904: "3 bytes with no padding", some devices pad to 8 (nmea2000.md §2 notes).
    {59904, "isoRequest", "ISO Request", false, 6, 3, 3, kIsoRequest, 0, 0, 0},
    {60160, "isoTransportProtocolDataTransfer", "ISO Transport Protocol, Data Transfer", false, 7,
     8, 8, kTpDt, 0, 0, 0},
    {60416, "isoTransportProtocolConnectionManagement",
     "ISO Transport Protocol, Connection Management", false, 7, 8, 8, kTpCm, 0, 0, 0},
    {60928, "isoAddressClaim", "ISO Address Claim", false, 6, 8, 8, kAddressClaim, 0, 0, 0},
    {61184, "victronVeCanRegister", "Victron: VE.Can Register", false, 7, 4, 8, kVictronVreg, 0, 0,
     0},
    {61184, "0xef00ManufacturerProprietarySingleFrameAddressed",
     "0xEF00: Manufacturer Proprietary single-frame addressed", false, 6, 2, 8,
     kProprietaryAddressed, 0, 0, 0},
    ac(65001, "bus1PhaseCBasicAcQuantities", "Bus #1 Phase C Basic AC Quantities", kBusBasic),
    ac(65002, "bus1PhaseBBasicAcQuantities", "Bus #1 Phase B Basic AC Quantities", kBusBasic),
    ac(65003, "bus1PhaseABasicAcQuantities", "Bus #1 Phase A Basic AC Quantities", kBusBasic),
    ac(65004, "bus1AverageBasicAcQuantities", "Bus #1 Average Basic AC Quantities", kBusBasic),
    ac(65005, "utilityTotalAcEnergy", "Utility Total AC Energy", kAcEnergy),
    ac(65006, "utilityPhaseCAcReactivePower", "Utility Phase C AC Reactive Power", kAcReactive),
    ac(65007, "utilityPhaseCAcPower", "Utility Phase C AC Power", kAcPower),
    ac(65008, "utilityPhaseCBasicAcQuantities", "Utility Phase C Basic AC Quantities", kAcBasic),
    ac(65009, "utilityPhaseBAcReactivePower", "Utility Phase B AC Reactive Power", kAcReactive),
    ac(65010, "utilityPhaseBAcPower", "Utility Phase B AC Power", kAcPower),
    ac(65011, "utilityPhaseBBasicAcQuantities", "Utility Phase B Basic AC Quantities", kAcBasic),
    ac(65012, "utilityPhaseAAcReactivePower", "Utility Phase A AC Reactive Power", kAcReactive),
    ac(65013, "utilityPhaseAAcPower", "Utility Phase A AC Power", kAcPower),
    ac(65014, "utilityPhaseABasicAcQuantities", "Utility Phase A Basic AC Quantities", kAcBasic),
    ac(65015, "utilityTotalAcReactivePower", "Utility Total AC Reactive Power", kAcReactive),
    ac(65016, "utilityTotalAcPower", "Utility Total AC Power", kAcPower),
    ac(65017, "utilityAverageBasicAcQuantities", "Utility Average Basic AC Quantities", kAcBasic),
    ac(65018, "generatorTotalAcEnergy", "Generator Total AC Energy", kAcEnergy),
    ac(65019, "generatorPhaseCAcReactivePower", "Generator Phase C AC Reactive Power", kAcReactive),
    ac(65020, "generatorPhaseCAcPower", "Generator Phase C AC Power", kAcPower),
    ac(65021, "generatorPhaseCBasicAcQuantities", "Generator Phase C Basic AC Quantities",
       kAcBasic),
    ac(65022, "generatorPhaseBAcReactivePower", "Generator Phase B AC Reactive Power", kAcReactive),
    ac(65023, "generatorPhaseBAcPower", "Generator Phase B AC Power", kAcPower),
    ac(65024, "generatorPhaseBBasicAcQuantities", "Generator Phase B Basic AC Quantities",
       kAcBasic),
    ac(65025, "generatorPhaseAAcReactivePower", "Generator Phase A AC Reactive Power", kAcReactive),
    ac(65026, "generatorPhaseAAcPower", "Generator Phase A AC Power", kAcPower),
    ac(65027, "generatorPhaseABasicAcQuantities", "Generator Phase A Basic AC Quantities",
       kAcBasic),
    ac(65028, "generatorTotalAcReactivePower", "Generator Total AC Reactive Power", kAcReactive),
    ac(65029, "generatorTotalAcPower", "Generator Total AC Power", kAcPower),
    ac(65030, "generatorAverageBasicAcQuantities", "Generator Average Basic AC Quantities",
       kAcBasic),
    {126208, "nmeaRequestGroupFunction", "NMEA - Request group function", true, 3, 11, 0,
     kGfRequest, 0, 0, 0},
    {126208, "nmeaCommandGroupFunction", "NMEA - Command group function", true, 3, 6, 0, kGfCommand,
     0, 0, 0},
    {126208, "nmeaAcknowledgeGroupFunction", "NMEA - Acknowledge group function", true, 3, 6, 0,
     kGfAck, 0, 0, 0},
    {126208, "nmeaReadFieldsGroupFunction", "NMEA - Read Fields group function", true, 3, 7, 0,
     kGfRead, 0, 0, 0},
    {126208, "nmeaReadFieldsReplyGroupFunction", "NMEA - Read Fields reply group function", true, 3,
     7, 0, kGfReadReply, 0, 0, 0},
    {126208, "nmeaWriteFieldsGroupFunction", "NMEA - Write Fields group function", true, 3, 7, 0,
     kGfWrite, 0, 0, 0},
    {126208, "nmeaWriteFieldsReplyGroupFunction", "NMEA - Write Fields reply group function", true,
     3, 7, 0, kGfWriteReply, 0, 0, 0},
    {126993, "heartbeat", "Heartbeat", false, 7, 8, 8, kHeartbeat, 0, 0, 60000},
    // 126996: 134 bytes; "minLength: 132" (some devices omit the last two fields).
    {126996, "productInformation", "Product Information", true, 6, 132, 134, kProductInfo, 0, 0, 0},
    {127501, "binarySwitchBankStatus", "Binary Switch Bank Status", false, 3, 2, 8, kSwitchBank, 0,
     0, 0},
    {127503, "acInputStatus", "AC Input Status", true, 6, 2, 0, kAcInputStatus, 10, 2, 1500},
    {127505, "fluidLevel", "Fluid Level", false, 6, 8, 8, kFluidLevel, 0, 0, 2500},
    // 127506: 9 bytes from NMEA 1.300 devices, 11 in full (canboat minLength 9).
    {127506, "dcDetailedStatus", "DC Detailed Status", true, 6, 9, 11, kDcDetailed, 0, 0, 1500},
    {127507, "chargerStatus", "Charger Status", true, 6, 6, 6, kChargerStatus, 0, 0, 1500},
    {127508, "batteryStatus", "Battery Status", false, 6, 8, 8, kBatteryStatus, 0, 0, 1500},
    // 127509 is 4 bytes yet a fast-packet PGN (canboat explanation, github issue #428).
    {127509, "inverterStatus", "Inverter Status", true, 6, 4, 4, kInverterStatus, 0, 0, 1500},
    {127751, "dcVoltageCurrent", "DC Voltage/Current", false, 6, 8, 8, kDcVoltageCurrent, 0, 0,
     1500},
};

constexpr bool table_sorted() {
  for (std::size_t i = 1; i < std::size(kTable); ++i)
    if (kTable[i - 1].pgn > kTable[i].pgn) return false;
  return true;
}
static_assert(table_sorted(), "kTable must be sorted by PGN");

// canboat's "Type: Fast" PGNs (canboat JSON), so that reassembly works for PGNs we do not decode.
constexpr std::uint32_t kFastPgns[] = {
    126208, 126464, 126720, 126983, 126984, 126985, 126986, 126987, 126988, 126996, 126998, 127233,
    127237, 127489, 127490, 127491, 127494, 127495, 127496, 127497, 127498, 127503, 127504, 127506,
    127507, 127509, 127510, 127511, 127512, 127513, 127514, 128275, 128520, 128538, 129029, 129038,
    129039, 129040, 129041, 129044, 129045, 129284, 129285, 129301, 129302, 129538, 129540, 129541,
    129542, 129545, 129547, 129549, 129551, 129556, 129792, 129793, 129794, 129795, 129796, 129797,
    129798, 129799, 129800, 129801, 129802, 129803, 129804, 129805, 129806, 129807, 129808, 129809,
    129810, 130052, 130053, 130054, 130060, 130061, 130064, 130065, 130066, 130067, 130068, 130069,
    130070, 130071, 130072, 130073, 130074, 130320, 130321, 130322, 130323, 130324, 130329, 130330,
    130561, 130562, 130563, 130564, 130565, 130566, 130567, 130569, 130570, 130571, 130572, 130573,
    130574, 130577, 130578, 130580, 130581, 130583, 130584, 130586, 130816, 130817, 130818, 130819,
    130820, 130821, 130822, 130823, 130824, 130825, 130826, 130827, 130828, 130829, 130830, 130831,
    130832, 130833, 130834, 130835, 130836, 130837, 130838, 130839, 130840, 130841, 130842, 130843,
    130844, 130845, 130846, 130847, 130848, 130849, 130850, 130851, 130852, 130856, 130860, 130861,
    130880, 130881, 130900, 130910, 130911, 130912, 130913, 130918, 130921, 130939, 130944, 130945,
    130946, 130947, 130951, 131008, 131011, 131012};

constexpr bool fast_sorted() {
  for (std::size_t i = 1; i < std::size(kFastPgns); ++i)
    if (kFastPgns[i - 1] >= kFastPgns[i]) return false;
  return true;
}
static_assert(fast_sorted(), "kFastPgns must be sorted");

bool matches(const PgnDesc& d, std::span<const std::uint8_t> payload) noexcept {
  for (const auto& f : d.fields) {
    if (f.match < 0) continue;
    std::uint64_t v = 0;
    for (unsigned i = 0; i < f.bits; ++i) {
      const std::size_t bit = f.bit_offset + i;
      if (bit / 8 >= payload.size()) return false;
      v |= static_cast<std::uint64_t>((payload[bit / 8] >> (bit % 8)) & 1u) << i;
    }
    if (v != static_cast<std::uint64_t>(f.match)) return false;
  }
  return true;
}

}  // namespace

std::span<const PgnDesc> pgn_table() noexcept { return kTable; }

namespace {

/// The first descriptor for `pgn` in a table sorted by PGN, or nullptr.
const PgnDesc* first_of(std::span<const PgnDesc> table, std::uint32_t pgn) noexcept {
  const auto* it = std::lower_bound(table.data(), table.data() + table.size(), pgn,
                                    [](const PgnDesc& d, std::uint32_t p) { return d.pgn < p; });
  return it != table.data() + table.size() && it->pgn == pgn ? it : nullptr;
}

/// The table that describes `pgn`: ours when it has the PGN, else canboat's.
std::span<const PgnDesc> table_for(std::uint32_t pgn) noexcept {
  return first_of(kTable, pgn) ? std::span<const PgnDesc>(kTable) : canboat_pgn_table();
}

}  // namespace

const PgnDesc* find_pgn(std::uint32_t pgn) noexcept { return first_of(table_for(pgn), pgn); }

const PgnDesc* find_pgn(std::uint32_t pgn, std::span<const std::uint8_t> payload) noexcept {
  const auto table = table_for(pgn);
  const PgnDesc* first = first_of(table, pgn);
  if (!first) return nullptr;
  for (const PgnDesc* d = first; d != table.data() + table.size() && d->pgn == pgn; ++d)
    if (matches(*d, payload)) return d;
  return nullptr;
}

const PgnDesc* find_pgn_by_id(std::string_view id) noexcept {
  for (const auto& d : kTable)
    if (d.id == id) return &d;
  for (const auto& d : canboat_pgn_table())
    if (d.id == id) return &d;
  return nullptr;
}

bool is_fast_packet(std::uint32_t pgn) noexcept {
  return std::binary_search(std::begin(kFastPgns), std::end(kFastPgns), pgn);
}

}  // namespace gxlink::nmea2000
