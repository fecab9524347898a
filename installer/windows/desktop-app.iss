; Inno Setup 6 script: turns the PyInstaller folder (installer\dist\desktop-app) into
; desktop-app-<version>-windows-x64-setup.exe. installer\build.py runs it as
;   ISCC /DAppVersion=... /DSourceDir=... /DOutputDir=... /DIconFile=... desktop-app.iss
; The defaults below let it also be compiled by hand from this folder after a build.
;
; Installs per user by default (no administrator prompt; %LOCALAPPDATA%\Programs), or for
; all users if chosen in the dialog. The library itself lives in %LOCALAPPDATA%\desktop-app
; and is left alone by the uninstaller: removing the program does not delete the index.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\dist\desktop-app"
#endif
#ifndef OutputDir
  #define OutputDir "..\dist"
#endif
#ifndef IconFile
  #define IconFile "..\build\assets\desktop-app.ico"
#endif
#define AppName "Desktop Semantic Search"
#define AppExe "desktop-app.exe"

[Setup]
; The AppId identifies the app across versions (upgrades, uninstall); never change it.
AppId={{E7854EE3-3A9E-4923-A5DD-91782123A74F}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=desktop-app
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir={#OutputDir}
OutputBaseFilename=desktop-app-{#AppVersion}-windows-x64-setup
SetupIconFile={#IconFile}
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; An upgrade or uninstall closes a running copy first (through the Restart Manager), so no
; file of the old version stays locked.
CloseApplications=yes
RestartApplications=no

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "foldermenu"; Description: "Add ""Search with {#AppName}"" to the right-click menu of folders"; GroupDescription: "Explorer:"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; A new version replaces the bundled libraries whole: files an older build had and this one
; does not would otherwise linger in _internal and could be loaded by mistake.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "Find documents on this computer by meaning"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Registry]
; "desktop-app" in the Run dialog (Win+R) and in a terminal's "start desktop-app".
Root: HKA; Subkey: "Software\Microsoft\Windows\CurrentVersion\App Paths\desktop-app.exe"; ValueType: string; ValueName: ""; ValueData: "{app}\{#AppExe}"; Flags: uninsdeletekey
; Explorer's folder menu hands the folder to the app; a running window adds it (one
; instance per user and library), a new one opens with it.
Root: HKA; Subkey: "Software\Classes\Directory\shell\desktop-app"; ValueType: string; ValueName: ""; ValueData: "Search with {#AppName}"; Tasks: foldermenu; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\Directory\shell\desktop-app"; ValueType: string; ValueName: "Icon"; ValueData: """{app}\{#AppExe}"",0"; Tasks: foldermenu
Root: HKA; Subkey: "Software\Classes\Directory\shell\desktop-app\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExe}"" ""%1"""; Tasks: foldermenu

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
