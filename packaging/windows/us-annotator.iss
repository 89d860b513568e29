; Inno Setup 6 script for the Windows installer of us-annotator (built by .github/workflows/release.yml):
;   ISCC /DAppVersion=0.1.0 /DSourceDir=C:\...\dist\us-annotator /DIconFile=C:\...\us-annotator.ico /OC:\...\dist us-annotator.iss
; Installs for all users (Program Files) or, without admin rights, for the current user only.
; IT departments deploy it silently: us-annotator-VERSION-windows-x64-setup.exe /VERYSILENT /NORESTART
; (add /CURRENTUSER or /ALLUSERS to choose; /TASKS="addtopath" puts us-annotator-cli on PATH).
; Not built on Windows while writing: checked only for syntax by reading (see docs/packaging.md).

#ifndef AppVersion
  #error Pass /DAppVersion=X.Y.Z (annotator/__init__.py __version__)
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\us-annotator"
#endif
#ifndef IconFile
  #define IconFile "..\..\build\icons\us-annotator.ico"
#endif

[Setup]
AppId={{6C1E3C0B-7C55-4B0E-9D8A-0E5B3E7A2F41}
AppName=us-annotator
AppVersion={#AppVersion}
AppVerName=us-annotator {#AppVersion}
AppPublisher=us-annotator developers
AppComments=Annotate and measure musculoskeletal ultrasound stills and clips
DefaultDirName={autopf}\us-annotator
DefaultGroupName=us-annotator
DisableProgramGroupPage=yes
PrivilegesRequired=admin
PrivilegesRequiredOverridesAllowed=dialog commandline
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputBaseFilename=us-annotator-{#AppVersion}-windows-x64-setup
SetupIconFile={#IconFile}
UninstallDisplayIcon={app}\us-annotator.exe
LicenseFile={#SourceDir}\LICENSE
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ChangesAssociations=yes
ChangesEnvironment=yes
; the app never writes into {app}: settings and autosaves go to %APPDATA% and %LOCALAPPDATA%
CloseApplications=yes

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "openwith"; Description: "Offer ""Open with us-annotator"" for case files (.uscase.json)"; GroupDescription: "Files:"
Name: "addtopath"; Description: "Add the command-line program (us-annotator-cli) to PATH"; GroupDescription: "Command line:"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\us-annotator"; Filename: "{app}\us-annotator.exe"; Comment: "Ultrasound annotator"
Name: "{group}\us-annotator demo case"; Filename: "{app}\us-annotator.exe"; Parameters: "--demo"
Name: "{group}\Uninstall us-annotator"; Filename: "{uninstallexe}"
Name: "{autodesktop}\us-annotator"; Filename: "{app}\us-annotator.exe"; Tasks: desktopicon

[Registry]
; Windows picks a handler by the last extension only (.json), so the installer does not take
; over every .json file: it registers a ProgID and offers it under "Open with" for .json.
Root: HKA; Subkey: "Software\Classes\usannotator.case"; ValueType: string; ValueData: "Ultrasound annotation case"; Flags: uninsdeletekey; Tasks: openwith
Root: HKA; Subkey: "Software\Classes\usannotator.case\DefaultIcon"; ValueType: string; ValueData: "{app}\us-annotator.exe,0"; Tasks: openwith
Root: HKA; Subkey: "Software\Classes\usannotator.case\shell\open\command"; ValueType: string; ValueData: """{app}\us-annotator.exe"" ""%1"""; Tasks: openwith
Root: HKA; Subkey: "Software\Classes\.json\OpenWithProgids"; ValueType: string; ValueName: "usannotator.case"; ValueData: ""; Flags: uninsdeletevalue; Tasks: openwith
Root: HKA; Subkey: "Software\Classes\Applications\us-annotator.exe\SupportedTypes"; ValueType: string; ValueName: ".json"; ValueData: ""; Flags: uninsdeletekey; Tasks: openwith
Root: HKA; Subkey: "Software\Classes\Applications\us-annotator.exe\shell\open\command"; ValueType: string; ValueData: """{app}\us-annotator.exe"" ""%1"""; Tasks: openwith
Root: HKLM; Subkey: "SYSTEM\CurrentControlSet\Control\Session Manager\Environment"; ValueType: expandsz; ValueName: "Path"; ValueData: "{olddata};{app}"; Check: IsAdminInstallMode and NeedsAddPath(ExpandConstant('{app}')); Tasks: addtopath
Root: HKCU; Subkey: "Environment"; ValueType: expandsz; ValueName: "Path"; ValueData: "{olddata};{app}"; Check: (not IsAdminInstallMode) and NeedsAddPath(ExpandConstant('{app}')); Tasks: addtopath

[Run]
Filename: "{app}\us-annotator.exe"; Parameters: "--demo"; Description: "Open the demo case"; Flags: nowait postinstall skipifsilent

[Code]
function NeedsAddPath(Dir: string): Boolean;
var
  Current: string;
  RootKey: Integer;
  Subkey: string;
begin
  if IsAdminInstallMode then begin
    RootKey := HKEY_LOCAL_MACHINE;
    Subkey := 'SYSTEM\CurrentControlSet\Control\Session Manager\Environment';
  end else begin
    RootKey := HKEY_CURRENT_USER;
    Subkey := 'Environment';
  end;
  if not RegQueryStringValue(RootKey, Subkey, 'Path', Current) then
    Result := True
  else
    Result := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Current) + ';') = 0;
end;
