"""Spanish for ``resguardo-backup`` (deploy/backup: the operator's encrypted
backups), which speaks through the review tool's catalogs; merged into ES."""

ES_BACKUP = {
    # errors, warnings and results (deploy/backup/cli.py, install.py, archive.py, database.py)
    "%(path)s holds an unusable public key (a low-order X25519 key)":
        "%(path)s contiene una llave pública inservible (una llave X25519 de orden bajo)",
    "%(path)s is not a usable %(kind)s file: %(reason)s": "%(path)s no es un archivo %(kind)s utilizable: %(reason)s",
    "%(path)s is a link; not backed up": "%(path)s es un enlace; no se respalda",
    "%(path)s is not a regular file; not backed up": "%(path)s no es un archivo normal; no se respalda",
    "%(path)s is not empty; stop the services and pass --force to replace it (the old one is kept beside it)":
        "%(path)s no está vacío; detenga los servicios y agregue --force para reemplazarlo (el anterior se guarda al lado)",
    "%(program)s failed: %(reason)s": "%(program)s falló: %(reason)s",
    "%(program)s is not installed (apt install postgresql-client)":
        "%(program)s no está instalado (apt install postgresql-client)",
    "already exists, not overwritten": "ya existe, no se sobrescribió",
    "cannot copy the SQLite database %(path)s: %(reason)s": "no se puede copiar la base de datos SQLite %(path)s: %(reason)s",
    "copy ONLY %(public)s to the server (%(place)s); keep %(secret)s and its passphrase off the server, in two separate safe places":
        "copie SOLO %(public)s al servidor (%(place)s); guarde %(secret)s y su frase de contraseña fuera del servidor, "
        "en dos lugares seguros distintos",
    "it is too short or too common": "es demasiado corta o demasiado común",
    "new passphrase for the backup key: ": "nueva frase de contraseña para la llave de respaldo: ",
    "no backup public key at %(path)s: make one with `%(command)s` on your own computer and copy the .public-key file there (docs/OPERATIONS.md)":
        "no hay llave pública de respaldo en %(path)s: cree una con `%(command)s` en su propia computadora y copie "
        "allí el archivo .public-key (docs/OPERATIONS.md)",
    "no data directory at %(path)s (set RESGUARDO_DATA_DIR)": "no hay directorio de datos en %(path)s (defina RESGUARDO_DATA_DIR)",
    "no database at %(path)s": "no hay base de datos en %(path)s",
    "no onion key directory at %(path)s; the onion address is NOT backed up":
        "no hay directorio de la llave onion en %(path)s; la dirección onion NO se respalda",
    "no passphrase was given": "no se dio ninguna frase de contraseña",
    "no such backup file": "no existe ese archivo de respaldo",
    "onion address: %(address)s": "dirección onion: %(address)s",
    "passphrase of the backup key: ": "frase de contraseña de la llave de respaldo: ",
    "restored the backup of %(day)s into %(data_dir)s and %(onion_state)s":
        "se restauró el respaldo del %(day)s en %(data_dir)s y %(onion_state)s",
    "stopped; nothing half-done was kept": "detenido; no se guardó nada a medio hacer",
    "the SQLite database %(path)s is outside the data directory %(data_dir)s; this tool backs up a database kept in the data directory (the default)":
        "la base de datos SQLite %(path)s está fuera del directorio de datos %(data_dir)s; esta herramienta respalda "
        "una base de datos guardada en el directorio de datos (lo predeterminado)",
    "the backup holds a link or special file: %(path)s": "el respaldo contiene un enlace o un archivo especial: %(path)s",
    "the backup holds an unexpected path: %(path)s": "el respaldo contiene una ruta inesperada: %(path)s",
    "the database is PostgreSQL: back it up with its own tools and pass --no-database, or pass --pg-dump to include a pg_dump (docs/OPERATIONS.md, 'Back up')":
        "la base de datos es PostgreSQL: respáldela con sus propias herramientas y agregue --no-database, o agregue "
        "--pg-dump para incluir un pg_dump (docs/OPERATIONS.md, 'Back up')",
    "the output folder %(path)s does not exist (is the disk mounted?)":
        "la carpeta de destino %(path)s no existe (¿está montado el disco?)",
    "the passphrase does not unlock this backup key": "la frase de contraseña no abre esta llave de respaldo",
    "the passphrase file is not UTF-8 text": "el archivo de la frase de contraseña no es texto UTF-8",
    "the previous %(path)s was kept as %(kept)s; delete it when the restore is checked":
        "el %(path)s anterior se guardó como %(kept)s; bórrelo cuando haya comprobado la restauración",
    "the two passphrases differ; nothing was written": "las dos frases de contraseña no coinciden; no se escribió nada",
    "this backup file is cut short (an interrupted copy?); nothing was restored":
        "este archivo de respaldo está cortado (¿una copia interrumpida?); no se restauró nada",
    "this backup file is damaged or was altered; nothing was restored":
        "este archivo de respaldo está dañado o fue alterado; no se restauró nada",
    "this backup holds a PostgreSQL dump: set RESGUARDO_DATABASE_URL to the (empty) PostgreSQL database to restore it into":
        "este respaldo contiene un volcado de PostgreSQL: defina RESGUARDO_DATABASE_URL con la base de datos "
        "PostgreSQL (vacía) en la que restaurarlo",
    "this backup holds no database (PostgreSQL backed up by its own tools): restore it from there":
        "este respaldo no contiene base de datos (PostgreSQL se respalda con sus propias herramientas): restáurela desde allí",
    "this backup is format version %(version)s; this resguardo-backup reads version 1 only (update it)":
        "este respaldo tiene la versión de formato %(version)s; este resguardo-backup solo lee la versión 1 (actualícelo)",
    "this backup was not made for this key (check you chose the backup key's .secret-key file)":
        "este respaldo no se hizo para esta llave (compruebe que eligió el archivo .secret-key de la llave de respaldo)",
    "this file is not a Resguardo backup": "este archivo no es un respaldo de Resguardo",
    "this passphrase is too easy to guess (%(why)s); use six or more random words chosen with dice":
        "esta frase de contraseña es demasiado fácil de adivinar (%(why)s); use seis o más palabras al azar elegidas con dados",
    "type the same passphrase again: ": "escriba de nuevo la misma frase de contraseña: ",
    "unsupported RESGUARDO_DATABASE_URL %(scheme)s:…": "RESGUARDO_DATABASE_URL no admitida %(scheme)s:…",
    # exit codes (deploy/backup/errors.py EXIT_CODES)
    "backup damaged, cut short or not for this key (nothing restored)":
        "respaldo dañado, cortado o no hecho para esta llave (no se restauró nada)",
    "database tool failed": "falló la herramienta de la base de datos",
    "done": "hecho",
    "internal error": "error interno",
    "key file problem": "problema con un archivo de llave",
    "passphrase refused or wrong": "frase de contraseña rechazada o incorrecta",
    "something to fix first (a missing folder, a non-empty target, a PostgreSQL database)":
        "algo que arreglar antes (una carpeta que falta, un destino que no está vacío, una base de datos PostgreSQL)",
    "stopped with Ctrl-C": "detenido con Ctrl-C",
    # --help
    "COMMAND": "COMANDO",
    "Encrypted backups of a Resguardo installation (docs/OPERATIONS.md, 'Back up').":
        "Respaldos cifrados de una instalación de Resguardo (docs/OPERATIONS.md, 'Back up').",
    "PostgreSQL: include a pg_dump (fallback)": "PostgreSQL: incluir un pg_dump (alternativa)",
    "PostgreSQL: leave the database out (backed up physically by its own tools)":
        "PostgreSQL: dejar fuera la base de datos (respaldada físicamente con sus propias herramientas)",
    "backup public key to encrypt to (repeatable; default %(path)s)":
        "llave pública de respaldo para la que cifrar (repetible; por defecto %(path)s)",
    "decrypt a backup and put everything back": "descifrar un respaldo y volver a poner todo en su lugar",
    "default $RESGUARDO_DATA_DIR or /var/lib/resguardo": "por defecto $RESGUARDO_DATA_DIR o /var/lib/resguardo",
    "default $RESGUARDO_ONION_STATE or /var/lib/resguardo-onion": "por defecto $RESGUARDO_ONION_STATE o /var/lib/resguardo-onion",
    "existing folder for the backup file": "carpeta existente para el archivo de respaldo",
    "file name of the two key files (default: backup)": "nombre de los dos archivos de llave (por defecto: backup)",
    "make the backup keypair (on your own computer, not the server)":
        "crear el par de llaves de respaldo (en su propia computadora, no en el servidor)",
    "read the passphrase from a file": "leer la frase de contraseña de un archivo",
    "replace non-empty directories (the old ones are kept beside)":
        "reemplazar directorios que no están vacíos (los anteriores se guardan al lado)",
    "the backup .secret-key file": "el archivo .secret-key de la llave de respaldo",
    "the resguardo-backup-….backup file": "el archivo resguardo-backup-….backup",
    "write a new encrypted backup": "escribir un nuevo respaldo cifrado",
}
